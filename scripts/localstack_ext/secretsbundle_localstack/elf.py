"""The architecture of an executable, read from its ELF header, in Lambda's names."""

import platform
from pathlib import Path

ELF_MAGIC = b"\x7fELF"

# e_machine values from the ELF specification, mapped to Lambda's architecture names.
_MACHINES = {62: "x86_64", 183: "arm64"}
_MACHINE_NAMES = {3: "x86 (32-bit)", 40: "arm (32-bit)", 62: "x86_64", 183: "arm64"}

# platform.machine() spellings, mapped to Lambda's architecture names.
_HOST_MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


def host_architecture() -> str:
    """The host's architecture in Lambda's names (x86_64 or arm64), or what the kernel calls it."""
    machine = platform.machine().lower()
    return _HOST_MACHINES.get(machine, machine)


def executable_architecture(path: Path) -> str | None:
    """The architecture an ELF executable is built for, in Lambda's names where Lambda has one.

    Returns None for files that are not ELF (a shell script bootstrap runs anywhere).
    """
    with open(path, "rb") as f:
        header = f.read(20)
    if len(header) < 20 or header[:4] != ELF_MAGIC:
        return None
    byteorder = "little" if header[5] == 1 else "big"
    machine = int.from_bytes(header[18:20], byteorder)
    return _MACHINES.get(machine) or _MACHINE_NAMES.get(machine) or f"ELF machine {machine}"
