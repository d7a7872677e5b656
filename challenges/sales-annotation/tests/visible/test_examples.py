"""The prompt's example, through the challenge's driver."""

DATA = {
    "products": [
        {"id": 1, "name": "Lamp", "category": "home"},
        {"id": 2, "name": "Desk", "category": "home"},
        {"id": 3, "name": "Mug", "category": "kitchen"},
        {"id": 4, "name": "Rug", "category": "home"},
    ],
    "lines": [
        {"id": 1, "product_id": 1, "quantity": 3},
        {"id": 2, "product_id": 1, "quantity": 3},
        {"id": 3, "product_id": 1, "quantity": 1},
        {"id": 4, "product_id": 2, "quantity": 2},
        {"id": 5, "product_id": 3, "quantity": 10},
    ],
    "reviews": [
        {"id": 1, "product_id": 1, "rating": 5},
        {"id": 2, "product_id": 1, "rating": 4},
        {"id": 3, "product_id": 2, "rating": 3},
        {"id": 4, "product_id": 2, "rating": 4},
        {"id": 5, "product_id": 4, "rating": 2},
    ],
}


def test_product_stats(driver):
    obs = driver.product_stats_scenario(**DATA, category="home")
    assert obs["rows"] == [
        [1, "Lamp", "home", 7, 4.5, 2],
        [2, "Desk", "home", 2, 3.5, 2],
        [4, "Rug", "home", 0, 2.0, 1],
    ]
    assert obs["queries"] <= 1, obs["sql"]


def test_best_sellers(driver):
    assert [r[1] for r in driver.best_sellers_scenario(**DATA, category="home", min_total=2)["rows"]] == ["Lamp"]
    rows = driver.best_sellers_scenario(**DATA, category="home", min_total=-1)["rows"]
    assert [r[1] for r in rows] == ["Lamp", "Desk", "Rug"]


def test_category_is_exact(driver):
    assert driver.product_stats_scenario(**DATA, category="Home")["rows"] == []
