"""The benchmark's arithmetic and its progress; its figures come from `nox -s bench`, never
from a test."""

from session_matrix import bench


def _run(name, wall, tests):
    return bench.Run(name, wall, jobs=2, columns={"db-dj6.1": {"tests": tests}}, ok=1)


def test_ratios_and_targets_are_read_against_the_floor():
    floor = _run("floor", 100.0, 150.0)
    text = bench.table([_run("cold", 350.0, 150.0), _run("warm", 120.0, 150.0)], floor, 1, 0.3)
    assert "target cold <= 3.0x floor: MISSED (3.50x)" in text
    assert "target warm <= 1.5x floor: met (1.20x)" in text
    # outside = wall x jobs - the parts inside the columns: 2 x 120 - 150
    assert "warm - floor = +20.0s wall: outside +20.0" in text


def test_a_round_says_each_run_as_it_ends(monkeypatch, capsys, tmp_path):
    """A round takes minutes per run at full size: each run is printed when it ends."""
    said = []

    def run_nox(name, columns, work, env, jobs):
        said.append(capsys.readouterr().out)
        return _run(name, 2.0, 1.0)

    def run_floor(columns, env, jobs):
        said.append(capsys.readouterr().out)
        return _run("floor", 1.0, 1.0)

    monkeypatch.setattr(bench, "run_nox", run_nox)
    monkeypatch.setattr(bench, "run_floor", run_floor)
    runs = bench._round([bench.Listed("s", "db", "6.1")], tmp_path, {}, 2)
    assert [run.name for run in runs] == ["cold", "warm", "floor"]
    assert said[1] == "  cold: 2.0s, 1/1 columns ok\n"  # before warm started
    assert said[2] == "  warm: 2.0s, 1/1 columns ok\n"
    assert capsys.readouterr().out == "  floor: 1.0s, 1/1 columns ok\n"
