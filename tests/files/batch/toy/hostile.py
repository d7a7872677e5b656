import os


def add(a, b):
    os._exit(3)


def greet(name):
    return "hello " + name


def spin(n):
    os._exit(4)
