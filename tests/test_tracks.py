"""Tracking tables <-> trajectory arrays (trackpy and TrackMate layouts), units, the shipped dataset."""

import importlib
import subprocess
import sys
import warnings
from importlib import resources

import numpy as np
import pytest

import anomdiff as ad

pd = importlib.import_module("pandas")

TRACKPY = dict(particle="particle", frame="frame", pos=("x", "y"))
TRACKMATE = dict(particle="TRACK_ID", frame="FRAME", pos=("POSITION_X", "POSITION_Y"))


def _table(names, rng=0):
    """A table with unequal lengths, a missed frame, late starts and shuffled rows."""
    rng = np.random.default_rng(rng)
    rows = []
    for pid, start, n in [(12, 5, 8), (3, 0, 20), (40, 17, 2)]:
        frames = start + np.arange(n)
        if pid == 3:
            frames = np.delete(frames, [4, 5])  # two missed frames
        xy = np.cumsum(rng.standard_normal((len(frames), 2)), axis=0)
        rows += [(pid, f, *p) for f, p in zip(frames, xy)]
    df = pd.DataFrame(rows, columns=[names["particle"], names["frame"], *names["pos"]])
    return df.sample(frac=1.0, random_state=1).reset_index(drop=True)


@pytest.mark.parametrize("names", [TRACKPY, TRACKMATE], ids=["trackpy", "trackmate"])
def test_round_trip(names):
    df = _table(names)
    trajs, ids = ad.tracks_from_dataframe(df, **names)
    assert ids.tolist() == [3, 12, 40] and trajs.shape == (3, 20, 2)
    assert np.isnan(trajs[0, [4, 5]]).all() and np.isnan(trajs[1, 8:]).all()
    assert np.all(~np.isnan(trajs[:, 0]))  # every track starts at its own first frame
    first = df.groupby(names["particle"])[names["frame"]].min().to_numpy()
    back = ad.tracks_to_dataframe(trajs, ids=ids, first_frames=first, **names)
    want = df.sort_values([names["particle"], names["frame"]]).reset_index(drop=True)
    pd.testing.assert_frame_equal(back, want, check_dtype=False)
    again, ids2 = ad.tracks_from_dataframe(back, **names)
    np.testing.assert_array_equal(again, trajs)
    np.testing.assert_array_equal(ids2, ids)


def test_values_land_at_the_right_frames():
    df = _table(TRACKPY)
    trajs, ids = ad.tracks_from_dataframe(df)
    for i, pid in enumerate(ids):
        sub = df[df.particle == pid]
        rel = sub.frame - sub.frame.min()
        np.testing.assert_array_equal(trajs[i, rel.to_numpy()], sub[["x", "y"]].to_numpy())


def test_analysis_accepts_the_result():
    trajs, _ = ad.tracks_from_dataframe(_table(TRACKPY))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # track 40 has no pair at lag 2
        m = ad.tamsd(trajs, [1, 2])
    assert np.isfinite(m[:2]).all() and np.isnan(m[2, 1])


def test_one_column_pixel_size_and_min_length():
    df = _table(TRACKPY)
    one, _ = ad.tracks_from_dataframe(df, pos="x")
    assert one.ndim == 2
    both, _ = ad.tracks_from_dataframe(df)
    scaled, _ = ad.tracks_from_dataframe(df, pixel_size=0.16)
    np.testing.assert_array_equal(scaled, both * 0.16)
    np.testing.assert_array_equal(one, both[..., 0])
    long, ids = ad.tracks_from_dataframe(df, min_length=5)
    assert ids.tolist() == [3, 12] and long.shape == (2, 20, 2)


def test_untracked_spots_are_dropped():
    df = _table(TRACKMATE)
    df["TRACK_ID"] = df["TRACK_ID"].astype(float)
    df.loc[len(df)] = [np.nan, 3, 1.0, 2.0]  # TrackMate: a spot in no track
    trajs, ids = ad.tracks_from_dataframe(df, **TRACKMATE)
    assert ids.tolist() == [3.0, 12.0, 40.0] and trajs.shape == (3, 20, 2)


@pytest.mark.parametrize(
    "change, kwargs, error, words",
    [
        (lambda d: pd.concat([d, d.iloc[:1]]), {}, ValueError, ["more than one spot", "track"]),
        (lambda d: d.drop(columns="y"), {}, ValueError, ["pos", "'y'", "TRACK_ID"]),
        (lambda d: d.drop(columns="frame"), {}, ValueError, ["frame"]),
        (lambda d: d.assign(frame=d.frame + 0.5), {}, ValueError, ["integer"]),
        (lambda d: d.assign(x=d.x.astype(str) + "um"), {}, ValueError, ["numeric", "skiprows"]),
        (lambda d: d, {"pixel_size": 0}, ValueError, ["pixel_size"]),
        (lambda d: d, {"min_length": 100}, ValueError, ["min_length"]),
        (lambda d: d.to_numpy(), {}, TypeError, ["DataFrame"]),
        (lambda d: d, {"pos": 3}, TypeError, ["pos"]),
    ],
)
def test_bad_tables(change, kwargs, error, words):
    with pytest.raises(error) as info:
        ad.tracks_from_dataframe(change(_table(TRACKPY)), **kwargs)
    assert all(w in str(info.value) for w in words), str(info.value)


def test_duplicate_frame_error_names_the_particle():
    df = pd.DataFrame({"particle": ["a", "a", "b", "b"], "frame": [0, 1, 4, 4], "x": 0.0, "y": 0.0})
    with pytest.raises(ValueError, match=r"track 'b' .*frame 4"):
        ad.tracks_from_dataframe(df)


def test_to_dataframe_options():
    x = np.array([[0.0, 1.0, np.nan, 3.0], [5.0, 6.0, np.nan, np.nan]])
    df = ad.tracks_to_dataframe(x, ids=["p", "q"], frame_interval=0.1)
    assert list(df.columns) == ["particle", "frame", "t", "x"]
    assert df.particle.tolist() == ["p", "p", "p", "q", "q"] and df.frame.tolist() == [0, 1, 3, 0, 1]
    np.testing.assert_allclose(df.t, [0.0, 0.1, 0.3, 0.0, 0.1])
    three = ad.tracks_to_dataframe(np.zeros((2, 3, 3)))
    assert list(three.columns) == ["particle", "frame", "x", "y", "z"] and len(three) == 6
    ragged = ad.tracks_to_dataframe([np.zeros((2, 2)), np.ones((4, 2))])
    assert ragged.groupby("particle").size().tolist() == [2, 4]
    with pytest.raises(ValueError, match="pos"):
        ad.tracks_to_dataframe(np.zeros((2, 3, 2)), pos=["x"])
    with pytest.raises(ValueError, match="ids"):
        ad.tracks_to_dataframe(np.zeros((2, 3, 2)), ids=[1])
    with pytest.raises(ValueError, match="frame_interval"):
        ad.tracks_to_dataframe(np.zeros((2, 3)), frame_interval=-1.0)
    with pytest.raises(TypeError, match="first_frames"):
        ad.tracks_to_dataframe(np.zeros((2, 3)), first_frames=[0.5, 1.0])


def test_units():
    t, m = ad.to_physical(np.arange(1, 4), [1.0, 2.0, 3.0], frame_interval=0.02, pixel_size=0.5)
    np.testing.assert_allclose(t, [0.02, 0.04, 0.06])
    np.testing.assert_allclose(m, [0.25, 0.5, 0.75])
    # K in px^2/frame^alpha -> um^2/s^alpha; check against a fit in physical units directly:
    # the MSD 2 d K (t/dt)^alpha a^2 = 2 d K_phys t^alpha.
    x = ad.simulate("fbm", 300, 0.6, 200, dim=2, rng=3)
    a, k = ad.fit_alpha(x, range(1, 11), return_diffusivity=True)
    dt, px = 0.01, 0.16
    kp = ad.diffusivity_to_physical(k, a, frame_interval=dt, pixel_size=px)
    lags = np.arange(1, 11)
    tt, mm = ad.to_physical(lags, ad.tamsd(x, lags), frame_interval=dt, pixel_size=px)
    from anomdiff.msd import fit_loglog
    a2, k2, _ = fit_loglog(tt, mm)
    np.testing.assert_allclose(a2, a, rtol=1e-10)
    np.testing.assert_allclose(k2 / 4, kp, rtol=1e-9)
    with pytest.raises(ValueError, match="frame_interval"):
        ad.to_physical([1], [1.0], frame_interval=0)
    with pytest.raises(TypeError, match="pixel_size"):
        ad.diffusivity_to_physical(1.0, 1.0, frame_interval=1.0, pixel_size="1")


def test_example_tracks_content_and_licence():
    df = ad.example_tracks()
    assert list(df.columns) == ["particle", "frame", "x", "y"]
    assert len(df) == 5071 and df.particle.nunique() == 1000
    lengths = df.groupby("particle").size()
    assert lengths.max() == 106 and (lengths >= 20).sum() == 36
    assert df.equals(df.sort_values(["particle", "frame"]).reset_index(drop=True))
    trajs, ids = ad.tracks_from_dataframe(df)
    assert trajs.shape == (1000, 106, 2)
    data = resources.files("anomdiff") / "data"
    licence = (data / "example_tracks.LICENSE").read_text()
    assert "MIT License" in licence and "Alec Heckert" in licence
    assert "saspt" in (data / "example_tracks.README.md").read_text()


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_pandas_is_loaded_lazily_and_its_absence_named():
    out = _run("import sys, anomdiff as ad; print('pandas' in sys.modules, 'tracks_from_dataframe' in dir(ad))")
    assert out.stdout.split() == ["False", "True"], out.stderr
    out = _run("import sys; sys.modules['pandas'] = None\nimport anomdiff as ad\n"
               "try:\n    ad.tracks_from_dataframe\nexcept ImportError as e:\n    print(e)")
    assert 'pip install "anomdiff[data]"' in out.stdout, out.stderr


@pytest.mark.parametrize("name", ["tracks_from_dataframe", "tracks_to_dataframe", "example_tracks"])
def test_lazy_functions_have_complete_docstrings(name):
    # Loaded lazily (pandas), so not in anomdiff.__all__ where test_docstrings looks.
    validate = importlib.import_module("numpydoc.validate").validate
    errors = [e for e in validate(f"anomdiff.tracks.{name}")["errors"]
              if e[0] in ("GL08", "PR01", "PR02", "RT01", "EX01", "SA01")]
    assert not errors, errors


def test_round_trip_property():
    from hypothesis import given, settings, strategies as st

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.tuples(st.integers(-5, 50), st.lists(st.integers(0, 30), min_size=1, max_size=12,
                                                                 unique=True)),
                    min_size=1, max_size=6, unique_by=lambda t: t[0]),
           st.integers(1, 3))
    def check(tracks, d):
        rng = np.random.default_rng(0)
        rows = [(pid, f, *rng.standard_normal(d)) for pid, frames in tracks for f in frames]
        names = [f"c{k}" for k in range(d)]
        df = pd.DataFrame(rows, columns=["particle", "frame", *names])
        trajs, ids = ad.tracks_from_dataframe(df, pos=names)
        first = df.groupby("particle")["frame"].min().to_numpy()
        back = ad.tracks_to_dataframe(trajs, ids=ids, first_frames=first, pos=names)
        want = df.sort_values(["particle", "frame"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(back, want, check_dtype=False)

    check()
