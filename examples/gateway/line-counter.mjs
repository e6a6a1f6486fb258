/**
 * Line-crossing counts from tracks: a track whose box centre moves across the segment A-B between
 * two frames is counted once: 'in' when it moves onto the right-hand side of A->B as seen on screen
 * (y pointing down: cross(B - A, P - A) > 0), 'out' the other way.
 * Tracks not seen for `forgetAfter` frames are forgotten, so memory stays flat.
 */
export class LineCounter {
  /**
   * @param {{ name: string, a: [number, number], b: [number, number] }[]} lines in frame pixels
   * @param {{ forgetAfter?: number }} [options] frames a track may be missing; default 90
   */
  constructor(lines, options = {}) {
    this.lines = lines.map((l) => ({ ...l, in: 0, out: 0 }));
    this.forgetAfter = options.forgetAfter ?? 90;
    /** @type {Map<number, { x: number, y: number, frame: number }>} */
    this.last = new Map();
  }

  /**
   * Feeds one frame's tracked detections; returns the crossings of this frame.
   * @param {number} frame
   * @param {{ trackId?: number, box: number[] }[]} detections
   */
  update(frame, detections) {
    const events = [];
    for (const d of detections) {
      if (d.trackId === undefined) continue;
      const x = (d.box[0] + d.box[2]) / 2;
      const y = (d.box[1] + d.box[3]) / 2;
      const prev = this.last.get(d.trackId);
      if (prev) {
        for (const line of this.lines) {
          const dir = crossing(prev, { x, y }, line.a, line.b);
          if (dir) {
            line[dir] += 1;
            events.push({ line: line.name, trackId: d.trackId, direction: dir });
          }
        }
      }
      this.last.set(d.trackId, { x, y, frame });
    }
    for (const [id, p] of this.last) if (frame - p.frame > this.forgetAfter) this.last.delete(id);
    return events;
  }

  /** { [line name]: { in, out } } */
  counts() {
    return Object.fromEntries(this.lines.map((l) => [l.name, { in: l.in, out: l.out }]));
  }
}

/** 'in' | 'out' when segment p->q crosses segment a-b (touching an end point counts on one side only), else undefined. */
function crossing(p, q, a, b) {
  const side = (pt) => Math.sign((b[0] - a[0]) * (pt.y - a[1]) - (b[1] - a[1]) * (pt.x - a[0]));
  const s1 = side(p);
  const s2 = side(q);
  if (s1 === s2 || s1 === 0) return undefined;
  // p and q are on different sides of the line A-B; do A and B lie on different sides of p-q?
  const t = (pt) => Math.sign((q.x - p.x) * (pt[1] - p.y) - (q.y - p.y) * (pt[0] - p.x));
  if (t(a) === t(b) && t(a) !== 0) return undefined;
  return s2 > 0 ? 'in' : 'out';
}
