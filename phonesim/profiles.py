"""Finding and reading device profiles: shipped ones by name, or any TOML file by path."""

from __future__ import annotations

import tomllib
from pathlib import Path

from phonesim.core.profile import DeviceProfile
from phonesim.errors import ProfileError

DEFAULT_PROFILE = "polycom-cx600"


def _profile_dirs() -> list[Path]:
    here = Path(__file__).resolve().parent
    # Inside a wheel the profiles sit in the package; in a source checkout beside it.
    return [d for d in (here / "profiles", here.parent / "profiles") if d.is_dir()]


def available_profiles() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for directory in _profile_dirs():
        for path in sorted(directory.glob("*.toml")):
            found.setdefault(path.stem, path)
    return found


def load_profile(name_or_path: str = DEFAULT_PROFILE) -> DeviceProfile:
    """A shipped profile by name (`polycom-cx600`) or a TOML file by path."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        return load_profile_file(candidate)
    shipped = available_profiles()
    if name_or_path not in shipped:
        names = ", ".join(sorted(shipped)) or "none found"
        raise ProfileError(name_or_path, None, f"no such profile (shipped: {names})")
    return load_profile_file(shipped[name_or_path])


def load_profile_file(path: Path) -> DeviceProfile:
    try:
        text = path.read_bytes().decode("utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise ProfileError(str(path), None, "file not found") from None
    except OSError as error:
        raise ProfileError(str(path), None, f"cannot read: {error.strerror}") from None
    except UnicodeDecodeError as error:
        where = f"byte {error.start}"
        raise ProfileError(str(path), None, f"not UTF-8 text ({where})") from None
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(str(path), None, f"not valid TOML: {error}") from None
    except RecursionError:
        raise ProfileError(str(path), None, "not valid TOML: nested too deeply") from None
    return DeviceProfile.from_mapping(data, str(path))
