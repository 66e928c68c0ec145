import { interpretEnvelope } from "../src/providers/paymentoptions/client"
import { PaymentOptionsError } from "../src/providers/paymentoptions/errors"
import { readPaymentData } from "../src/providers/paymentoptions/payment-data"
import { classifyResponseCode } from "../src/providers/paymentoptions/response-codes"
import { transactionEnvelopeSchema } from "../src/providers/paymentoptions/schemas"
import { outcomeOf } from "../src/providers/paymentoptions/status"

// The refund sample of the docs (API.md §4/§5.5), with the sandbox's full card number echo.
const refundSample = {
  success: true,
  status_code: 201,
  is_live: false,
  transaction_type: "REFUND",
  gateway_response: { version: "1", type: "INFO", message: "Amount successfully refunded.", code: "INFO0002" },
  merchant_details: { legal_name: "Demo KK", mid: "JP00000328", merchant_txn_ref: "payses_01" },
  payment_details: {
    amount: 1000,
    response_code: 0,
    auth_code: "212496",
    currency: "JPY",
    payment_method: "ECMC-SSL",
    scheme: "MASTERCARD",
    card: { name: "Taro", number: "5200000000001005", exp_month: "12", exp_year: "24" },
  },
  transaction_details: { id: "626fa81d-0000-4000-8000-000000000000", ref: 74824, timestamp: "2024-01-01T00:00:00.000Z" },
  "risk-details": { risk_score: null },
}

function parse(body: unknown) {
  return transactionEnvelopeSchema.parse(body)
}

function kindOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    return e instanceof PaymentOptionsError ? e.kind : `other: ${(e as Error).message}`
  }
  return "no error"
}

describe("response codes (API.md §8)", () => {
  it.each([
    [0, "approved"],
    [5, "declined"],
    [51, "declined"],
    [-8019, "declined"],
    [68, "unclear"],
    [-1, "unclear"],
    [96, "unclear"],
    [700, "unclear"],
    [578, "pending"],
    [91, "retryable"],
    [450, "retryable"],
    [13, "invalid"],
    [600, "invalid"],
  ])("%i is %s", (code, cls) => {
    expect(classifyResponseCode(code)).toBe(cls)
  })
})

describe("interpretEnvelope", () => {
  it("accepts a documented success and keeps its id, ref and amount", () => {
    const env = interpretEnvelope("refund", parse(refundSample), 201)
    expect(env.transaction_details.id).toBe("626fa81d-0000-4000-8000-000000000000")
    expect(env.transaction_details.ref).toBe(74824)
    expect(outcomeOf(env)).toBe("succeeded")
  })

  it("accepts amounts as strings and response codes as strings", () => {
    const body = { ...refundSample, payment_details: { ...refundSample.payment_details, amount: "1000", response_code: "0" } }
    expect(interpretEnvelope("refund", parse(body), 201).payment_details?.amount).toBe("1000")
  })

  it("calls a decline a decline", () => {
    const body = {
      ...refundSample,
      success: false,
      gateway_response: { type: "ERROR", code: "ERR3019", message: "Insufficient refund balance" },
      payment_details: { response_code: -8019 },
    }
    expect(kindOf(() => interpretEnvelope("refund", parse(body), 201))).toBe("declined")
  })

  it("treats unclear and pending response codes as an unknown outcome, keeping the transaction id", () => {
    for (const response_code of [68, -1, 578, 1295]) {
      const body = { ...refundSample, success: false, gateway_response: { code: "ERR0204", message: "x" }, payment_details: { response_code } }
      let error: PaymentOptionsError | undefined
      try {
        interpretEnvelope("refund", parse(body), 201)
      } catch (e) {
        error = e as PaymentOptionsError
      }
      expect(error?.kind).toBe("outcome_unknown")
      expect(error?.transactionId).toBe(refundSample.transaction_details.id)
    }
  })

  it("never takes success without a transaction id or with a contradicting code at face value", () => {
    const noId = { ...refundSample, transaction_details: undefined }
    expect(kindOf(() => interpretEnvelope("refund", parse(noId), 201))).toBe("outcome_unknown")
    const contradiction = { ...refundSample, payment_details: { ...refundSample.payment_details, response_code: 5 } }
    expect(kindOf(() => interpretEnvelope("refund", parse(contradiction), 201))).toBe("outcome_unknown")
  })

  it("calls a VAL code an invalid request", () => {
    const body = { success: false, gateway_response: { code: "VAL0035", message: "Invalid amount" } }
    expect(kindOf(() => interpretEnvelope("refund", parse(body), 201))).toBe("invalid_request")
  })

  it("rejects bodies that do not have the documented shape", () => {
    expect(transactionEnvelopeSchema.safeParse({ ok: true, txn: "x" }).success).toBe(false)
    expect(transactionEnvelopeSchema.safeParse({ ...refundSample, payment_details: { amount: "1,000" } }).success).toBe(false)
  })
})

describe("outcomeOf a Transaction Status answer", () => {
  it("maps success, decline and pending", () => {
    expect(outcomeOf(parse(refundSample))).toBe("succeeded")
    expect(outcomeOf(parse({ ...refundSample, success: false, payment_details: { response_code: 5 } }))).toBe("declined")
    expect(outcomeOf(parse({ ...refundSample, success: false, payment_details: { response_code: 578 } }))).toBe("pending")
    expect(outcomeOf(parse({ ...refundSample, success: false, payment_details: { response_code: 91 } }))).toBe("declined")
  })

  it("reads only an explicit refusal as a decline: success:false with an INFO code is still being processed", () => {
    const info = { ...refundSample, success: false, gateway_response: { code: "INFO0000", message: "Transaction is being processed." }, payment_details: {} }
    expect(outcomeOf(parse(info))).toBe("pending")
    expect(outcomeOf(parse({ ...info, gateway_response: { code: "ERR0204", message: "Invalid transaction" } }))).toBe("declined")
    expect(outcomeOf(parse({ ...info, gateway_response: { code: "VAL0035", message: "Invalid amount" } }))).toBe("declined")
    expect(outcomeOf(parse({ ...info, payment_details: { response_code: 51 } }))).toBe("declined")
    // A success that contradicts itself (INFO but a declining response code) is a decline by its code.
    expect(outcomeOf(parse({ ...refundSample, payment_details: { response_code: 5 } }))).toBe("declined")
  })
})

describe("readPaymentData", () => {
  it("reads what the provider stores", () => {
    const data = readPaymentData({ currency_code: "jpy", amount: "5000", transaction_id: "t", refunds: {} })
    expect(data.transaction_id).toBe("t")
  })

  it("refuses corrupted money keys", () => {
    expect(() => readPaymentData({ amount: 5000 })).toThrow("malformed at amount")
  })
})
