#!/usr/bin/env python3
"""Writes a closed binary STL torus of exactly 2 * U * V triangles (default 1000 x 500 = 1,000,000).

    torus_stl.py <out.stl> [U] [V]

Major radius 50, minor radius 20 (the file's units): a closed, consistently oriented mesh whose volume and
area approach 2 pi^2 R r^2 and 4 pi^2 R r as U and V grow.
"""
import math
import struct
import sys

out = sys.argv[1]
U = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
V = int(sys.argv[3]) if len(sys.argv) > 3 else 500
R, r = 50.0, 20.0

def point(i, j):
    u = 2 * math.pi * (i % U) / U
    v = 2 * math.pi * (j % V) / V
    return ((R + r * math.cos(v)) * math.cos(u), (R + r * math.cos(v)) * math.sin(u), r * math.sin(v))

pts = [[point(i, j) for j in range(V)] for i in range(U)]
tri = struct.Struct("<12fH")
with open(out, "wb") as f:
    f.write(b"enginel benchmark torus".ljust(80, b" "))
    f.write(struct.pack("<I", 2 * U * V))
    for i in range(U):
        row, nxt = pts[i], pts[(i + 1) % U]
        chunk = bytearray()
        for j in range(V):
            a, b, c, d = row[j], nxt[j], nxt[(j + 1) % V], row[(j + 1) % V]
            # outward normals: (a, b, c) and (a, c, d); the reader computes its own, so these are zeros
            chunk += tri.pack(0, 0, 0, *a, *b, *c, 0)
            chunk += tri.pack(0, 0, 0, *a, *c, *d, 0)
        f.write(chunk)
