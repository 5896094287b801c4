"""Builds the import file of the register import figure from a one-row export of xinan's:
the same title and header rows, the sample row repeated with its number left empty (new rows)
and the asset number, IP and MAC made unique. Then times python3-openpyxl in read-only mode
merely reading every cell of it (best and median of runs).

    python3 import_file.py <sample.xlsx> <out.xlsx> <rows> <runs>
    python3 import_file.py --read <file.xlsx> <runs>      (the read alone)
Prints "read_seconds <best>", "read_seconds_median <median>".
"""
import statistics
import sys
import time

from openpyxl import Workbook, load_workbook


def time_reads(path, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        cells = 0
        rb = load_workbook(path, read_only=True)
        for r in rb.active.iter_rows(values_only=True):
            cells += len(r)
        rb.close()
        times.append(time.perf_counter() - t0)
    print(f"read_seconds {min(times):.3f}")
    print(f"read_seconds_median {statistics.median(times):.3f}")
    print(f"cells {cells}")


if sys.argv[1] == "--read":
    time_reads(sys.argv[2], int(sys.argv[3]))
    sys.exit(0)

sample, out, rows, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ws = load_workbook(sample).active
table = [list(r) for r in ws.iter_rows(values_only=True)]
header_at = next(i for i, r in enumerate(table) if r and "编号" in r)
header = table[header_at]
row = table[header_at + 1]
col = {h: i for i, h in enumerate(header)}
wb = Workbook(write_only=True)
out_ws = wb.create_sheet()
for r in table[: header_at + 1]:
    out_ws.append(list(r))
for n in range(rows):
    r = list(row)
    r[col["编号"]] = None
    r[col["资产编号"]] = f"ZC-I{n:06d}"
    r[col["IP 地址"]] = f"10.{100 + (n >> 16)}.{(n >> 8) & 255}.{n & 255}"
    r[col["MAC 地址"]] = f"02:00:01:{(n >> 16) & 255:02x}:{(n >> 8) & 255:02x}:{n & 255:02x}"
    if "状态" in col:
        r[col["状态"]] = None
    out_ws.append(r)
wb.save(out)

time_reads(out, runs)
