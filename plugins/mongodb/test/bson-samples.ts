import { Binary, BSONRegExp, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, UUID, type Document } from 'bson';

/** One document per BSON type the dump must carry untouched, plus edge values. */
export function everyTypeDocuments(): Document[] {
  return [
    { _id: new ObjectId('65a1b2c3d4e5f60718293a4b'), kind: 'objectid' },
    { _id: 2, decimal: Decimal128.fromString('1234567890.123456789012345678901234'), negZeroDecimal: Decimal128.fromString('-0.00'), nanDecimal: Decimal128.fromString('NaN') },
    { _id: 3, generic: new Binary(Buffer.from([0, 1, 2, 255]), 0), function: new Binary(Buffer.from('fn'), 1), oldUuid: new Binary(Buffer.alloc(16, 7), 3), uuid: new UUID('0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'), md5: new Binary(Buffer.alloc(16, 9), 5), user: new Binary(Buffer.from('custom'), 0x80), sensitive: new Binary(Buffer.from('x'), 8) },
    { _id: 4, date: new Date('2024-02-29T23:59:59.999Z'), beforeEpoch: new Date(-86_400_000), long: Long.fromString('9223372036854775807'), minLong: Long.fromString('-9223372036854775808'), int: new Int32(-2147483648), maxInt: new Int32(2147483647) },
    { _id: 5, nan: new Double(NaN), negZero: new Double(-0), inf: new Double(Infinity), negInf: new Double(-Infinity), tiny: new Double(5e-324), big: new Double(1.7976931348623157e308), wholeDouble: new Double(3) },
    { _id: 6, ts: new Timestamp({ t: 4_294_967_295, i: 1 }), regex: new BSONRegExp('^a.*b$', 'imsux'), min: new MinKey(), max: new MaxKey(), code: new Code('function () { return 1; }'), nil: null, t: true, f: false },
    { _id: 7, nested: { a: { b: { c: [1, [2, [3, { d: 'deep' }]], { e: new Int32(5) }] } } }, empty: {}, emptyArray: [], unicode: 'zürich ✓ 𝄞', 'dotted.key': 1, $dollar: 2 },
  ];
}

/** A document of about `bytes` bytes (a string field fills it), for the near-16 MB case. */
export function largeDocument(bytes: number): Document {
  return { _id: 'large', filler: 'x'.repeat(bytes - 64) };
}
