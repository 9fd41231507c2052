"""Execute chapter notebooks one after another and measure each one's memory.

For every notebook given, runs it with nbclient (as nbmake and Jupyter Book do),
with the notebook's own folder as working directory, writes the executed copy
into ``--out`` and reports:

- the wall-clock run time (kernel start-up included);
- the kernel's peak resident memory (Linux ``VmHWM``, exact);
- the peak of the kernel plus all its child processes together (for example
  joblib workers), sampled every 0.2 s: this is what counts against Binder's
  2 GB limit per session.

Usage, from the repository root::

    python benchmarks/chapter_memory.py --out /tmp/executed chapters/*.ipynb

Run on an otherwise idle machine for meaningful times; the memory figures do
not depend on the load.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

MIB = 1024 * 1024


def _hwm_bytes(pid: int) -> int:
    """Peak resident set size of a process so far (Linux /proc VmHWM)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class MemoryWatcher(threading.Thread):
    """Samples the memory of a notebook client's kernel process tree."""

    def __init__(self, client, interval: float = 0.2):
        super().__init__(daemon=True)
        self.client, self.interval = client, interval
        self.kernel_peak = 0
        self.tree_peak = 0
        self._stop_event = threading.Event()

    def _kernel_pid(self):
        km = getattr(self.client, "km", None)
        process = getattr(getattr(km, "provisioner", None), "process", None)
        return getattr(process, "pid", None)

    def run(self):
        import psutil

        while not self._stop_event.is_set():
            pid = self._kernel_pid()
            if pid:
                self.kernel_peak = max(self.kernel_peak, _hwm_bytes(pid))
                try:
                    kernel = psutil.Process(pid)
                    total = kernel.memory_info().rss
                    for child in kernel.children(recursive=True):
                        try:
                            total += child.memory_info().rss
                        except psutil.Error:
                            pass
                    self.tree_peak = max(self.tree_peak, total)
                except psutil.Error:
                    pass
            self._stop_event.wait(self.interval)

    def stop(self):
        self._stop_event.set()
        self.join()


def execute(path: Path, out_dir: Path) -> dict:
    """Execute one notebook; return its measurements."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    timeout = nb.metadata.get("execution", {}).get("timeout", 1500)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=True,
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    watcher = MemoryWatcher(client)
    watcher.start()
    started = time.perf_counter()
    error = None
    try:
        client.execute()
    except Exception as err:  # report and go on with the next chapter
        error = f"{type(err).__name__}: {str(err)[-500:]}"
    finally:
        watcher.stop()
    wall = time.perf_counter() - started
    out = out_dir / path.name
    nbformat.write(nb, out)
    return {
        "notebook": path.name,
        "executed_copy": str(out),
        "wall_seconds": round(wall, 1),
        "kernel_peak_mib": round(watcher.kernel_peak / MIB),
        "kernel_and_children_peak_mib": round(watcher.tree_peak / MIB),
        "error": error,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="folder for the executed copies")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for path in args.notebooks:
        row = execute(path, args.out)
        rows.append(row)
        print(
            f"{row['notebook']:28s} {row['wall_seconds']!s:>7} s  "
            f"kernel peak {row['kernel_peak_mib']:5d} MiB  "
            f"with children {row['kernel_and_children_peak_mib']:5d} MiB  "
            f"{'OK' if row['error'] is None else 'FAILED: ' + row['error']}",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 1 if any(row["error"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
