import pytest

from skemo.io._atomic import atomic_write


def test_success_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with atomic_write(target) as f:
        f.write(b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_interrupted_write_keeps_the_old_file(tmp_path, error):
    target = tmp_path / "out.csv"
    target.write_text("complete\n")
    with pytest.raises(error):
        with atomic_write(target, "w") as f:
            f.write("half")
            raise error
    assert target.read_text() == "complete\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_interrupted_first_write_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_write(tmp_path / "new.csv", "w") as f:
            f.write("half")
            raise RuntimeError
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_and_bad_mode_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope"):
        with atomic_write(tmp_path / "nope" / "x.csv", "w"):
            pass
    with pytest.raises(ValueError, match="mode"):
        with atomic_write(tmp_path / "x", "a"):
            pass
