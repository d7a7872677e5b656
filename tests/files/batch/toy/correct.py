def add(a, b):
    return a + b


def greet(name):
    return "hello " + name


def spin(n):
    return n
