# wrong: works on set(numbers), so a repeated value can never pair with itself
# max-percent: 50


def find_pairs_sum(numbers, target):
    values = set(numbers)
    return sorted((value, target - value) for value in values if value < target - value and target - value in values)
