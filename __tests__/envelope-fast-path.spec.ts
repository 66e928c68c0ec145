import { parseTransactionEnvelope, plainTransactionEnvelope, transactionEnvelopeSchema } from "../src/providers/paymentoptions/schemas"

/**
 * The envelope fast path (schemas.ts plainTransactionEnvelope) must return exactly what transactionEnvelopeSchema
 * returns, key order included, or nothing (then the schema parses). Checked on every value each field can take,
 * one field at a time and in seeded random combinations.
 */

const base = () => ({
  success: true,
  status_code: 201,
  is_live: false,
  transaction_type: "REFUND",
  gateway_response: { version: "1", type: "INFO", message: "Amount successfully refunded.", code: "INFO0002" },
  merchant_details: { legal_name: "Demo KK", mid: "JP00000328", merchant_txn_ref: "payses_01" },
  payment_details: {
    amount: "1000",
    response_code: 0,
    responseDescription: "Approved",
    auth_code: "212496",
    currency: "JPY",
    payment_method: "ECMC-SSL",
    scheme: "MASTERCARD",
    card: { name: "Taro", number: "5200000000001005", exp_month: "12", exp_year: "24" },
  },
  transaction_details: { id: "626fa81d-0000-4000-8000-000000000000", ref: 74824, timestamp: "2024-01-01T00:00:00.000Z", merchant_txn_ref: "payses_01" },
  "risk-details": { risk_score: null },
})

const ABSENT = Symbol("absent")
const anyValue = [ABSENT, undefined, null, "", " ", "x", "12", " 12 ", "1.5", "-3", "1e3", "abc", 0, 1, -1, 1.5, NaN, Infinity, 2 ** 60, true, false, [], {}, ["a"]]
const values: Record<string, unknown[]> = {
  success: anyValue,
  status_code: [...anyValue, 201, "201"],
  is_live: anyValue,
  transaction_type: anyValue,
  gateway_response: [...anyValue, { code: "INFO0001" }, { code: "" }, { message: 5, code: "X" }],
  "gateway_response.code": [...anyValue, "INFO0002", "ERR01"],
  "gateway_response.message": anyValue,
  merchant_details: anyValue,
  "merchant_details.mid": anyValue,
  payment_details: [...anyValue, { amount: 5 }],
  "payment_details.amount": [...anyValue, "1000", " 1000 ", "10.50", "-0", "10.", ".5", 10.25],
  "payment_details.response_code": [...anyValue, "05", 5, 5.0],
  "payment_details.card": [...anyValue, { number: "4111" }, { exp_month: 12, exp_year: 2030 }, { exp_month: NaN }],
  "payment_details.card.exp_month": [...anyValue, 7, "07"],
  "payment_details.additional_data": [
    ...anyValue,
    { stored_payment_method_id: "tok" },
    { payment_data_source: { type: "card" }, 2: "two", 1: "one", b: undefined },
    JSON.parse('{"__proto__": {"x": 1}, "a": 1}'),
    { constructor: 5 },
    { [Symbol("s")]: 1 },
    Object.create(null),
    Object.defineProperty({ a: 1 }, "hidden", { value: 2, enumerable: false }),
    new Date(0),
  ],
  transaction_details: [...anyValue, { id: "x" }],
  "transaction_details.id": [...anyValue, "a".repeat(64), "a".repeat(65)],
  "transaction_details.ref": anyValue,
}

function set(body: Record<string, any>, path: string, value: unknown) {
  const keys = path.split(".")
  let target = body
  for (const key of keys.slice(0, -1)) {
    if (!target[key] || typeof target[key] !== "object") return
    target[key] = { ...target[key] }
    target = target[key]
  }
  const last = keys[keys.length - 1]
  if (value === ABSENT) delete target[last]
  else target[last] = value
}

/** Same keys in the same order and the same values, all the way down. */
function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same((a as any)[k], (b as any)[k]))
}

function check(body: unknown): "fast" | "schema" {
  const fast = plainTransactionEnvelope(body)
  const schema = transactionEnvelopeSchema.safeParse(body)
  if (fast === undefined) {
    expect(parseTransactionEnvelope(body)).toEqual(schema)
    return "schema"
  }
  if (!schema.success || !same(fast, schema.data)) {
    throw new Error(`fast path differs from the schema for ${JSON.stringify(body)}: ${JSON.stringify(fast)} vs ${JSON.stringify(schema)}`)
  }
  expect(parseTransactionEnvelope(body)).toEqual({ success: true, data: fast })
  return "fast"
}

describe("transaction envelope fast path", () => {
  it("takes the gateway's ordinary answers, with the schema's result", () => {
    expect(check(base())).toBe("fast")
    const minimal = { success: false, gateway_response: { code: "ERR0001" } }
    expect(check(minimal)).toBe("fast")
    // As the sandbox and the docs send it: additional_data with its payment_data_source, parsed from JSON.
    const answer = JSON.parse(JSON.stringify({ ...base(), payment_details: { ...base().payment_details, additional_data: { payment_data_source: { type: "card" } } } }))
    expect(check(answer)).toBe("fast")
  })

  it("agrees with the schema for every value of every field", () => {
    const seen = { fast: 0, schema: 0 }
    for (const [path, options] of Object.entries(values)) {
      for (const value of options) {
        const body = base()
        set(body, path, value)
        seen[check(body)]++
      }
    }
    expect(seen.fast).toBeGreaterThan(50)
    expect(seen.schema).toBeGreaterThan(50)
  })

  it("agrees with the schema on random combinations", () => {
    let seed = 42
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    const paths = Object.keys(values)
    const seen = { fast: 0, schema: 0 }
    for (let n = 0; n < 5000; n++) {
      const body = base()
      for (const path of paths) {
        if (random() < 0.15) set(body, path, values[path][Math.floor(random() * values[path].length)])
      }
      seen[check(body)]++
    }
    expect(seen.fast).toBeGreaterThan(100)
    expect(seen.schema).toBeGreaterThan(100)
  })

  it("leaves non-objects to the schema", () => {
    for (const body of [null, undefined, "x", 5, [], [base()]]) expect(check(body)).toBe("schema")
  })
})
