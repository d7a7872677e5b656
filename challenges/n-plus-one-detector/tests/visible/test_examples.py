def test_prompt_normalisation_examples(submission):
    assert (
        submission.normalize_sql("SELECT * FROM t WHERE name = 'it''s' AND id IN (1, 2,3)")
        == "SELECT * FROM t WHERE name = ? AND id IN (?)"
    )
    assert submission.normalize_sql("x = -5 AND t1 = col_2 + 1e5") == "x = -? AND t1 = col_2 + 1e5"
    assert submission.normalize_sql('SELECT  "my  col"\n\tFROM t  ') == 'SELECT "my  col" FROM t'
    assert submission.normalize_sql("a in(1,2) AND b JOIN (3, 4)") == "a in(?) AND b JOIN (?, ?)"
    assert submission.normalize_sql("WHERE a = %s AND b IN (%s, %s)") == "WHERE a = %s AND b IN (%s, %s)"


def test_prompt_detection_example(submission):
    queries = [
        "SELECT * FROM book WHERE author_id = 1",
        {"sql": "SELECT * FROM book WHERE author_id = 2", "time": "0.001"},
        "SELECT * FROM author",
        "SELECT * FROM book WHERE author_id = 3",
    ]
    assert submission.detect_n_plus_one(queries) == [("SELECT * FROM book WHERE author_id = ?", 3)]
