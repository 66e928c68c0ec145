import {
  describeSettle,
  isPaymentOptionsPayment,
  paymentView,
  refundBadgeColor,
  refundRows,
  refundStatus,
} from "../src/admin/lib/refunds"

const data = {
  currency_code: "jpy",
  amount: "5000",
  transaction_id: "txn_sale_1",
  transaction_ref: "74811",
  card: { scheme: "VISA", last4: "1111", exp_month: "12", exp_year: "30" },
  refunded_amount: "1200",
  refunds: {
    ref_b: {
      ref: null,
      transaction_id: null,
      status: "pending",
      amount: "800",
      currency_code: "jpy",
      code: null,
      message: "timeout after 500 ms",
      created_at: "2026-11-28T03:05:00.000Z",
    },
    ref_a: {
      ref: "74812",
      transaction_id: "txn_ref_1",
      status: "succeeded",
      amount: "1200",
      currency_code: "jpy",
      code: "0",
      message: "Approved",
      created_at: "2026-11-28T03:04:00.000Z",
      settled_at: null,
    },
    ref_c: {
      ref: "74813",
      transaction_id: "txn_ref_3",
      status: "failed",
      amount: "300",
      currency_code: "jpy",
      code: "ERR0204",
      message: "Declined",
      created_at: "2026-11-28T03:06:00.000Z",
      settled_at: "2026-11-28T03:07:00.000Z",
      resolution: { by: "user_1", note: "checked portal", at: "2026-11-28T03:07:00.000Z" },
    },
  },
}

describe("admin widget: refund rows", () => {
  it("lists data.refunds oldest first with every shown field", () => {
    const rows = refundRows(data)
    expect(rows.map((r) => r.id)).toEqual(["ref_a", "ref_b", "ref_c"])
    expect(rows[0]).toEqual({
      id: "ref_a",
      ref: "74812",
      transaction_id: "txn_ref_1",
      status: "succeeded",
      amount: "1200",
      currency_code: "jpy",
      code: "0",
      message: "Approved",
      created_at: "2026-11-28T03:04:00.000Z",
      settled_at: null,
      resolution: null,
    })
    expect(rows[2].resolution).toEqual({ by: "user_1", note: "checked portal", at: "2026-11-28T03:07:00.000Z" })
  })

  it("tolerates missing or malformed data", () => {
    expect(refundRows(undefined)).toEqual([])
    expect(refundRows({ refunds: "x" })).toEqual([])
    expect(refundRows({ refunds: { ref_x: null, ref_y: 5 } })).toEqual([])
    const [row] = refundRows({ currency_code: "usd", refunds: { ref_z: { status: "weird", amount: 12 } } })
    expect(row).toMatchObject({ id: "ref_z", status: "unknown", amount: "12", currency_code: "usd", ref: null })
  })
})

describe("admin widget: status", () => {
  it("maps statuses to badge colours", () => {
    expect(refundBadgeColor("succeeded")).toBe("green")
    expect(refundBadgeColor("pending")).toBe("orange")
    expect(refundBadgeColor("failed")).toBe("red")
    expect(refundBadgeColor("unknown")).toBe("grey")
    expect(refundStatus("canceled")).toBe("unknown")
  })

  it("recognises PaymentOptions payments by provider id", () => {
    expect(isPaymentOptionsPayment("pp_paymentoptions_paymentoptions")).toBe(true)
    expect(isPaymentOptionsPayment("pp_paymentoptions_jp")).toBe(true)
    expect(isPaymentOptionsPayment("pp_system_default")).toBe(false)
    expect(isPaymentOptionsPayment(undefined)).toBe(false)
  })
})

describe("admin widget: payment view", () => {
  it("reduces a payment to what the widget shows", () => {
    const view = paymentView({ id: "pay_1", provider_id: "pp_paymentoptions_paymentoptions", currency_code: "jpy", data })
    expect(view).toMatchObject({
      id: "pay_1",
      transaction_id: "txn_sale_1",
      transaction_ref: "74811",
      authorization_id: null,
      amount: "5000",
      refunded_amount: "1200",
      currency_code: "jpy",
      card: { scheme: "VISA", last4: "1111", exp_month: "12", exp_year: "30" },
    })
    expect(view.pending.map((r) => r.id)).toEqual(["ref_b"])
  })

  it("falls back to the payment's currency and copes with no data", () => {
    const view = paymentView({ id: "pay_2", currency_code: "usd", data: null })
    expect(view).toMatchObject({ currency_code: "usd", transaction_id: null, card: null, refunds: [], pending: [] })
  })

  it("describes what a settle call changed", () => {
    const rows = refundRows({ ...data, refunds: { ...data.refunds, ref_b: { ...data.refunds.ref_b, status: "succeeded", ref: "74814" } } })
    expect(describeSettle(["ref_b"], rows)).toBe("74814 is now succeeded")
    expect(describeSettle([], rows)).toBe("No change: the gateway has no final outcome yet.")
    expect(describeSettle(["ref_gone"], rows)).toBe("ref_gone is now updated")
    expect(describeSettle([], rows, ["ref_b"])).toBe(
      'ref_b: the gateway never named this refund; look for "Medusa refund <id>" in the PaymentOptions portal'
    )
    expect(describeSettle(["ref_a"], rows, ["ref_b", "ref_c"])).toBe(
      '74812 is now succeeded; ref_b, ref_c: the gateway never named these refunds; look for "Medusa refund <id>" in the PaymentOptions portal'
    )
  })
})
