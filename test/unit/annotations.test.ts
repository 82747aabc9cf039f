import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CorruptInputError, InvalidArgumentError, parseAnnotationXml, rasterizePolygons } from '@nucleilens/pipeline';
import type { LabelImage, Polygon } from '@nucleilens/pipeline';

function poly(points: [number, number][]): Polygon {
  return { xs: Float64Array.from(points, (p) => p[0]), ys: Float64Array.from(points, (p) => p[1]) };
}

/** Foreground pixels as sorted "x,y" strings. */
function pixels(labels: LabelImage, value = 1): string[] {
  const out: string[] = [];
  for (let y = 0; y < labels.height; y++) {
    for (let x = 0; x < labels.width; x++) if (labels.data[y * labels.width + x] === value) out.push(`${x},${y}`);
  }
  return out;
}

// Triangle A(3.5, 1), B(1, 2.5), C(1.25, 5) in XML pixel coordinates, on a 6x6 image.
const TRIANGLE = poly([[3.5, 1], [1, 2.5], [1.25, 5]]);

test('poly2mask rule on a hand-worked triangle', () => {
  // MATLAB poly2mask on (X + 0.5, Y + 0.5), worked by hand from its algorithm:
  // 1. Sub-pixel grid: q = round(5 (x - 0.5) + 1) = round(5 X + 1), halves away from zero:
  //    A = (round 18.5, 6) = (19, 6); B = (6, round 13.5) = (6, 14); C = (round 7.25, 26) = (7, 26).
  // 2. intline per edge; a horizontal edge sits at each step where x changes, at xe = x (step
  //    right) or x - 1 (step left), ye = min of the two y. Only xe with (xe + 2) / 5 integral
  //    (xe = 8, 13, 18 -> 1-based columns 2, 3, 4) count; row = ceil((ye + 2) / 5).
  //    A->B: dx 13 >= dy 8, drawn left to right from B and flipped: y = round(14 - 8/13 (x - 6)).
  //      x 19->18: y 6, round 6.615 = 7 -> ye 6 -> (col 4, row 2)
  //      x 14->13: y round 9.077 = 9, round 9.692 = 10 -> ye 9 -> (col 3, row 3)
  //      x 9->8:   y round 12.154 = 12, round 12.769 = 13 -> ye 12 -> (col 2, row 3)
  //    B->C: dy 12 > dx 1, x = round(6 + (y - 14) / 12): x steps 6 -> 7 only (xe 6): no edge.
  //    C->A: dy 20 > dx 12, x = round(19 - 0.6 (y - 6)), walked from y 26 up to y 6:
  //      x 8->9 between y 24 and 23 -> ye 23 -> (col 2, row 5)
  //      x 13->14 between y 16 and 15 -> ye 15 -> (col 3, row 4)
  //      x 18->19 between y 7 and 6 -> ye 6 -> (col 4, row 2)
  // 3. Parity down each column: col 2 toggles at rows 3, 5 -> rows 3-4; col 3 at rows 3, 4 ->
  //    row 3; col 4 toggles twice at row 2 -> nothing.
  // 1-based (col, row) (2,3) (2,4) (3,3) are 0-based (x, y) (1,2) (1,3) (2,2).
  const labels = rasterizePolygons([TRIANGLE], 6, 6, { rule: 'poly2mask' });
  assert.ok(labels.data instanceof Int32Array);
  assert.deepEqual(pixels(labels), ['1,2', '2,2', '1,3']);
  // poly2mask is the default rule.
  assert.deepEqual(rasterizePolygons([TRIANGLE], 6, 6).data, labels.data);
});

test('pixel-centre rule on the same triangle', () => {
  // Centre rows y + 0.5, crossings of the edges (half-open in y), centres strictly between:
  //   y 1.5: AB x = 2.667, CA x = 3.219 -> no centre (2.5, 3.5 outside)
  //   y 2.5: BC x = 1 (B counted once, on BC), CA x = 2.656 -> x 1.5, 2.5 -> pixels 1, 2
  //   y 3.5: BC x = 1.1, CA x = 2.094 -> pixel 1
  //   y 4.5: BC x = 1.2, CA x = 1.531 -> pixel 1 (poly2mask's grid drops this sliver)
  const labels = rasterizePolygons([TRIANGLE], 6, 6, { rule: 'pixel-centre' });
  assert.deepEqual(pixels(labels), ['1,2', '2,2', '1,3', '1,4']);
});

test('both rules agree on an integer square and clip at the image edge', () => {
  const square = poly([[1, 1], [4, 1], [4, 4], [1, 4]]);
  const expected = ['1,1', '2,1', '3,1', '1,2', '2,2', '3,2', '1,3', '2,3', '3,3'];
  // poly2mask: q = 6 and 21; top edge steps xe 8, 13, 18 -> columns 2-4, rows from
  // ceil(8/5) = 2 up to, not including, ceil(23/5) = 5.
  assert.deepEqual(pixels(rasterizePolygons([square], 6, 6, { rule: 'poly2mask' })), expected);
  assert.deepEqual(pixels(rasterizePolygons([square], 6, 6, { rule: 'pixel-centre' })), expected);
  // Half outside: poly2mask drops edges left of column 1 and lifts rows above row 1 to row 1.
  const corner = poly([[-2, -2], [2, -2], [2, 2], [-2, 2]]);
  for (const rule of ['poly2mask', 'pixel-centre'] as const) {
    assert.deepEqual(pixels(rasterizePolygons([corner], 4, 4, { rule })), ['0,0', '1,0', '0,1', '1,1'], rule);
  }
});

test('the first region wins where regions overlap, unless overlap is "last"', () => {
  const a = poly([[0, 0], [3, 0], [3, 3], [0, 3]]);
  const b = poly([[2, 2], [5, 2], [5, 5], [2, 5]]);
  for (const rule of ['poly2mask', 'pixel-centre'] as const) {
    const first = rasterizePolygons([a, b], 6, 6, { rule });
    assert.equal(first.data[2 * 6 + 2], 1, rule);
    assert.equal(pixels(first, 1).length, 9);
    assert.equal(pixels(first, 2).length, 8);
    const last = rasterizePolygons([a, b], 6, 6, { rule, overlap: 'last' });
    assert.equal(last.data[2 * 6 + 2], 2, rule);
    assert.equal(pixels(last, 1).length, 8);
  }
});

test('rasterizePolygons rejects bad arguments', () => {
  assert.throws(() => rasterizePolygons([TRIANGLE], 6, 6, { rule: 'nearest' as 'poly2mask' }), InvalidArgumentError);
  assert.throws(() => rasterizePolygons([{ xs: Float64Array.of(0, 1, 1), ys: Float64Array.of(0, 1) }], 4, 4), InvalidArgumentError);
  assert.throws(() => rasterizePolygons([], -1, 4), InvalidArgumentError);
  assert.deepEqual(pixels(rasterizePolygons([poly([[0, 0], [3, 3]])], 4, 4)), [], 'two vertices enclose nothing');
});

const XML = `<?xml version="1.0" encoding="UTF-8"?>
<Annotations MicronsPerPixel="0.252100">
  <Annotation Id="1" Type="4">
    <Attributes><Attribute Name="Description" Id="0" Value=""/></Attributes>
    <Regions>
      <RegionAttributeHeaders><AttributeHeader Id="9999" Name="Region" ColumnWidth="-1"/></RegionAttributeHeaders>
      <Region Id="7" Type="0" Zoom="1">
        <Vertices>
          <Vertex X="3.5" Y="1" Z="0"/>
          <Vertex X="1" Y="2.5" Z="0"/>
          <Vertex X="1.25" Y="5" Z="0"/>
        </Vertices>
      </Region>
      <Region Id="8" Type="0">
        <Vertices><Vertex X="1" Y="1"/><Vertex X="2" Y="2"/></Vertices>
      </Region>
      <Region Id="9" Type="0">
        <Vertices><Vertex X="0" Y="0"/><Vertex X="2" Y="0"/><Vertex X="2" Y="2"/><Vertex X="0" Y="2"/></Vertices>
      </Region>
    </Regions>
  </Annotation>
</Annotations>`;

test('parseAnnotationXml reads regions in document order and microns per pixel', () => {
  const set = parseAnnotationXml(XML);
  assert.equal(set.micronsPerPixel, 0.2521);
  assert.deepEqual(set.regions.map((r) => r.id), ['7', '9'], 'the two-vertex region is left out');
  assert.deepEqual([...set.regions[0].polygon.xs], [3.5, 1, 1.25]);
  assert.deepEqual([...set.regions[0].polygon.ys], [1, 2.5, 5]);
  assert.ok(set.regions[0].polygon.xs instanceof Float64Array);
  // Parsed and rasterized together: region order gives the labels, the triangle's pixels as above.
  const labels = rasterizePolygons(set.regions.map((r) => r.polygon), 6, 6);
  assert.deepEqual(pixels(labels, 1), ['1,2', '2,2', '1,3']);
  assert.deepEqual(pixels(labels, 2), ['0,0', '1,0', '0,1', '1,1']);
});

test('parseAnnotationXml: a single region, no microns per pixel, and malformed input', () => {
  const one = parseAnnotationXml(
    '<Annotations><Annotation><Regions><Region Id="1"><Vertices>' +
      '<Vertex X="1" Y="1"/><Vertex X="4" Y="1"/><Vertex X="4" Y="4"/></Vertices></Region></Regions></Annotation></Annotations>',
  );
  assert.equal(one.micronsPerPixel, undefined);
  assert.equal(one.regions.length, 1);
  assert.deepEqual(parseAnnotationXml('<Annotations/>').regions, []);
  assert.throws(() => parseAnnotationXml('<Annotations><Annotation>'), CorruptInputError);
  assert.throws(() => parseAnnotationXml('<Other/>'), CorruptInputError);
  assert.throws(
    () => parseAnnotationXml('<Annotations><Annotation><Regions><Region Id="3"><Vertices><Vertex X="a" Y="1"/>' +
      '<Vertex X="1" Y="1"/><Vertex X="1" Y="2"/></Vertices></Region></Regions></Annotation></Annotations>'),
    (err: unknown) => err instanceof CorruptInputError && /region 3: vertex 0/.test(err.message),
  );
});
