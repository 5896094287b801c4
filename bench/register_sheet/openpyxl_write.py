"""The same rows written by python3-openpyxl in write-only mode, the way the xinan export
writes them: a title row, the Chinese headers, the id as a number, dates as dates with a date
format, the other cells as text, column widths. Reads the rows from the CSV the C side left
(not timed); times building and saving the workbook. Prints "seconds <best>" and
"seconds_median <median>" and "xlsx_bytes <n>".

    python3 openpyxl_write.py <rows.csv> <out.xlsx> <runs>
"""
import csv
import datetime
import os
import statistics
import sys
import time

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

DATE_COLUMNS = {"应归还日期", "清除日期"}


def load(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    header, body = table[0], table[1:]
    dates = [i for i, h in enumerate(header) if h in DATE_COLUMNS]
    rows = []
    for r in body:
        row = list(r)
        row[0] = int(row[0])
        for i in dates:
            if row[i]:
                row[i] = datetime.date.fromisoformat(row[i])
        rows.append([v if v != "" else None for v in row])
    return header, rows, set(dates)


def write(header, rows, dates, out):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("devices")
    for i in range(len(header)):
        letter = chr(ord("A") + i)
        ws.column_dimensions[letter].width = 14
    ws.freeze_panes = "A3"
    title = WriteOnlyCell(ws, value="设备台账　　单位：本单位　　导出时间：2026-12-07 10:00")
    title.font = Font(bold=True, size=14)
    ws.append([title])
    bold = Font(bold=True)
    heads = []
    for h in header:
        c = WriteOnlyCell(ws, value=h)
        c.font = bold
        heads.append(c)
    ws.append(heads)
    for row in rows:
        cells = list(row)
        for i in dates:
            if cells[i] is not None:
                c = WriteOnlyCell(ws, value=cells[i])
                c.number_format = "yyyy-mm-dd"
                cells[i] = c
        ws.append(cells)
    wb.save(out)


def main():
    src, out, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    header, rows, dates = load(src)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        write(header, rows, dates, out)
        times.append(time.perf_counter() - t0)
    print(f"seconds {min(times):.3f}")
    print(f"seconds_median {statistics.median(times):.3f}")
    print(f"xlsx_bytes {os.path.getsize(out)}")


if __name__ == "__main__":
    main()
