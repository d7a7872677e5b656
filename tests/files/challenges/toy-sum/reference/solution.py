def add(a, b):
    return a + b


def greet(name):
    return f"hello {name}"


def spin(n):
    total = 0
    for _ in range(n):
        total += 1
    return total
