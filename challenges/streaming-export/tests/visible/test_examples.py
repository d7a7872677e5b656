"""The prompt's example and a few basic rules, through the challenge's driver."""

ROWS = [
    {
        "id": 1,
        "kind": "signup",
        "user_id": 7,
        "payload": {"seats": 3, "plan": "pro"},
        "created": "2024-05-01T12:00:00+00:00",
    },
    {
        "id": 2,
        "kind": 'said "hi", left',
        "user_id": None,
        "payload": None,
        "created": "2024-05-01T14:30:00.250000+02:00",
    },
]


def test_prompt_example(driver):
    obs = driver.export_scenario(ROWS, ["id", "kind", "user_id", "payload", "created"])
    assert obs["raised"] is None, obs
    assert obs["items"] == [
        "id,kind,user_id,payload,created\r\n",
        '1,signup,7,"{""plan"":""pro"",""seats"":3}",2024-05-01T12:00:00+00:00\r\n',
        '2,"said ""hi"", left",,,2024-05-01T12:30:00.250000+00:00\r\n',
    ]


def test_unknown_field_raises_value_error_before_any_query(driver):
    obs = driver.export_scenario(ROWS, ["id", "pk"])
    assert obs["raised"] == "ValueError"
    assert obs["queries"] == 0


def test_creating_the_iterator_runs_no_query(driver):
    obs = driver.export_scenario(ROWS, ["id"])
    assert obs["is_iterator"] is True
    assert obs["queries_at_creation"] == 0
    assert obs["result_cache_none"] is True


def test_csv_response(driver):
    obs = driver.response_scenario(ROWS, ["id", "kind"], "events.csv")
    assert obs["raised"] is None, obs
    assert obs["is_streaming_response"] is True
    assert obs["status"] == 200
    assert obs["headers"]["Content-Type"] in ("text/csv", "text/csv; charset=utf-8")  # the prompt allows both
    assert obs["headers"]["Content-Disposition"] == 'attachment; filename="events.csv"'
    assert obs["body"] == b'id,kind\r\n1,signup\r\n2,"said ""hi"", left"\r\n'
