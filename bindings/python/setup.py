"""Builds the `ward` package: the Python files of ward/ and the extension ward._ward, which
CMake builds from the whole repository (the target `ward_python`).

pyproject.toml holds the metadata; this file only teaches setuptools to get the extension
from CMake. The commands are in docs/install.md. Environment variables:

  WARD_SOURCE_DIR   the repository (default: two levels up from this file). Needed only when
                    this folder was copied away from it, as an sdist build does.
  WARD_BUILD_DIR    the CMake build tree (default: build-pip/ at the repository's root). It is
                    kept between builds, so that a second install recompiles only what changed.
  WARD_CMAKE_ARGS   extra arguments for the first configure (say -DCMAKE_BUILD_TYPE=Debug).
  WARD_PYTHON_EXTENSION  an extension CMake already built (BUILD/bindings/python/ward/
                    _ward.cpython-*.so) to package as it is, without running CMake: for
                    packaging a build that exists, and for ward's own package test.
  CMAKE_GENERATOR, CMAKE_BUILD_PARALLEL_LEVEL   read by CMake itself (Ninja is used when found).
"""

import os
import pathlib
import shlex
import shutil
import subprocess
import sys
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = pathlib.Path(__file__).resolve().parent


def _source_dir():
    """The repository, recognised by its root CMakeLists.txt and this binding's sources."""
    given = os.environ.get("WARD_SOURCE_DIR")
    root = pathlib.Path(given).resolve() if given else HERE.parent.parent
    if (root / "CMakeLists.txt").is_file() and (root / "bindings/python/ward_module.cc").is_file():
        return root
    # Reached when pip or `build` works on a copy of this folder (an sdist, an old pip's
    # out-of-tree build): the C++ sources are not beside it any more.
    where = f"WARD_SOURCE_DIR={given}" if given else f"{HERE} is not inside it"
    sys.exit(
        f"ward: the repository's sources are not found ({where}). Build from "
        "bindings/python inside a checkout of ward (pip install ./bindings/python, or "
        "python3 -m build --wheel --no-isolation), or set WARD_SOURCE_DIR to the checkout.")


SOURCE_DIR = _source_dir()
BUILD_DIR = pathlib.Path(os.environ.get("WARD_BUILD_DIR") or SOURCE_DIR / "build-pip").resolve()


class CMakeBuild(build_ext):
    """Builds ward._ward with CMake and puts it where setuptools packs extensions."""

    def build_extension(self, ext):
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        prebuilt = os.environ.get("WARD_PYTHON_EXTENSION")
        if prebuilt:
            if not pathlib.Path(prebuilt).is_file():
                sys.exit(f"ward: WARD_PYTHON_EXTENSION={prebuilt} is not a file")
            shutil.copyfile(prebuilt, target)
            return
        cmake = shutil.which("cmake")
        if not cmake:
            sys.exit("ward: cmake is not installed (Debian: apt-get install cmake, or run "
                     "tools/install-deps.sh)")
        # The extension must match the interpreter that runs this build (a venv's python
        # included), whatever interpreter an earlier configure of the same tree used.
        configure = [cmake, "-S", str(SOURCE_DIR), "-B", str(BUILD_DIR),
                     f"-DPython3_EXECUTABLE={sys.executable}"]
        if not (BUILD_DIR / "CMakeCache.txt").is_file():
            configure += ["-DCMAKE_BUILD_TYPE=Release", "-DWARD_BUILD_TESTS=OFF"]
            if not os.environ.get("CMAKE_GENERATOR") and shutil.which("ninja"):
                configure += ["-G", "Ninja"]
            configure += shlex.split(os.environ.get("WARD_CMAKE_ARGS", ""))
        subprocess.check_call(configure)
        subprocess.check_call([cmake, "--build", str(BUILD_DIR), "--target", "ward_python"])

        # The file name carries the interpreter's ABI tag (_ward.cpython-311-x86_64-linux-gnu.so);
        # an older one for another interpreter may lie beside it.
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        built = BUILD_DIR / "bindings/python/ward" / f"_ward{suffix}"
        if not built.is_file():
            sys.exit(f"ward: CMake did not produce {built}; its configure output above says why "
                     "(python3-dev and pybind11-dev are needed, and no sanitizer build)")
        shutil.copyfile(built, target)


# setuptools' own scratch (build/, ward.egg-info) goes into the CMake build tree rather than
# into this source folder.
BUILD_DIR.mkdir(parents=True, exist_ok=True)
setup(
    ext_modules=[Extension("ward._ward", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={
        "build": {"build_base": str(BUILD_DIR / "setuptools")},
        "egg_info": {"egg_base": str(BUILD_DIR)},
    },
)
