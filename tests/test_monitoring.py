"""Monthly monitoring: no alarm on the clean history, injected anomalies found."""

import numpy as np
import pandas as pd
import pytest

from actuarial import AssumptionError, monitoring
from conftest import EXAMPLE

MONTHLY = EXAMPLE / "monthly_operations.csv"


@pytest.fixture(scope="module")
def table():
    return monitoring.load_monthly(MONTHLY)


def test_no_alert_on_the_clean_example_history(table):
    flags = monitoring.monitor(table, train_months=36)
    assert len(flags) == 4 * 5 * 12
    assert not flags["flagged"].any()
    assert (flags["lower"] < flags["observed"]).all() and (flags["observed"] < flags["upper"]).all()


def inject(table, size, count, rng):
    t = table.copy()
    t.attrs = table.attrs
    rows = t.index[t["month"] >= pd.Period("2024-01", "M")]
    cells = rng.choice(len(rows) * len(monitoring.INDICATORS), count, replace=False)
    truth = []
    for k in cells:
        row, ind = rows[k // len(monitoring.INDICATORS)], list(monitoring.INDICATORS)[k % len(monitoring.INDICATORS)]
        t.loc[row, ind] *= 1 + rng.choice([-1, 1]) * size
        truth.append((t.loc[row, "district"], ind, str(t.loc[row, "month"])))
    return t, pd.DataFrame(truth, columns=["district", "indicator", "month"])


@pytest.mark.parametrize("size,min_precision,min_recall", [(0.25, 0.95, 0.9), (0.40, 0.95, 0.99)])
def test_injected_anomalies_are_found(table, size, min_precision, min_recall):
    rng = np.random.default_rng(2024)
    totals = {"true_positives": 0, "flagged": 0, "injected": 0}
    for _ in range(4):
        dirty, truth = inject(table, size, 12, rng)
        pr = monitoring.precision_recall(monitoring.monitor(dirty), truth, keys=("district", "indicator", "month"))
        for k in totals:
            totals[k] += pr[k]
    assert totals["true_positives"] / totals["flagged"] >= min_precision
    assert totals["true_positives"] / totals["injected"] >= min_recall


def test_false_alarm_rate_close_to_nominal():
    rng = np.random.default_rng(1)
    months = pd.period_range("2020-01", periods=48, freq="M")
    season = np.array([1.08, 0.90, 1.02, 1.00, 0.98, 0.96, 0.97, 0.98, 0.99, 1.00, 1.03, 1.09])
    frames = []
    for g in range(60):
        noise = np.zeros(48)
        for i in range(1, 48):
            noise[i] = 0.3 * noise[i - 1] + rng.normal(0, 0.03)
        frames.append(pd.DataFrame({"district": f"d{g}", "month": months,
                                    "admissions": 1000 * 1.04 ** (np.arange(48) / 12) * season[months.month - 1] * np.exp(noise)}))
    df = pd.concat(frames, ignore_index=True)
    df.attrs["groups"] = ["district"]
    flags = monitoring.monitor(df, coverage=0.99)
    assert flags["flagged"].mean() < 0.03      # nominal 1%


def test_a_flagged_month_does_not_bend_the_next(table):
    t = table.copy()
    t.attrs = table.attrs
    row = t.index[(t["district"] == "central") & (t["month"] == pd.Period("2024-03", "M"))][0]
    t.loc[row, "admissions"] *= 1.5
    flags = monitoring.monitor(t, indicators=["admissions"])
    central = flags[flags["district"] == "central"].set_index("month")["flagged"]
    assert central[pd.Period("2024-03", "M")]
    assert central.sum() == 1


def test_bad_monthly_tables(tmp_path):
    df = pd.read_csv(MONTHLY)
    bad = df.copy()
    bad.loc[3, "admissions"] = -1
    bad.to_csv(tmp_path / "a.csv", index=False)
    with pytest.raises(AssumptionError, match="admissions"):
        monitoring.load_monthly(tmp_path / "a.csv")
    df.drop(index=5).to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(AssumptionError, match="not consecutive"):
        monitoring.load_monthly(tmp_path / "b.csv")
    df.rename(columns={"admissions": "admits"}).to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(AssumptionError, match="unknown indicator"):
        monitoring.load_monthly(tmp_path / "c.csv")
    with pytest.raises(AssumptionError, match="training window"):
        monitoring.monitor(monitoring.load_monthly(MONTHLY), train_months=48)
