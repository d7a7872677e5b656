# wrong: compares every two positions: correct answers, O(n^2) time
# max-percent: 80


def find_pairs_sum(numbers, target):
    found = set()
    for i in range(len(numbers)):
        for j in range(i + 1, len(numbers)):
            if numbers[i] + numbers[j] == target:
                found.add((min(numbers[i], numbers[j]), max(numbers[i], numbers[j])))
    return sorted(found)
