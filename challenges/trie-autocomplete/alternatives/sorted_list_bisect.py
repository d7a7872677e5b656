# alternative: no tree at all: a sorted list of the words, bisected to the first match (O(log n + output) per search)
import bisect


class Trie:
    def __init__(self):
        self._sorted = []
        self._present = set()

    def insert(self, word):
        if word not in self._present:
            self._present.add(word)
            bisect.insort(self._sorted, word)

    def __contains__(self, word):
        return word in self._present

    def search_prefix(self, prefix, limit=None):
        if limit is not None and limit < 0:
            raise ValueError("negative limit")
        out = []
        index = bisect.bisect_left(self._sorted, prefix)
        while index < len(self._sorted) and (limit is None or len(out) < limit):
            word = self._sorted[index]
            if not word.startswith(prefix):
                break
            out.append(word)
            index += 1
        return out

    def delete(self, word):
        if word not in self._present:
            return False
        self._present.remove(word)
        del self._sorted[bisect.bisect_left(self._sorted, word)]
        return True

    def __len__(self):
        return len(self._sorted)
