# Right for small positive numbers only; greet is right; spin is off by one.
def add(a, b):
    if b < 0:
        return a - b
    return a + b


def greet(name):
    return "hello " + name


def spin(n):
    return n + 1
