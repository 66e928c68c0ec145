import { amountOwed, returnFullyReceived, roundsToZero, SpreadPayment, spreadRefund } from "../src/workflows/helpers/refund-spread"

const PO = "pp_paymentoptions_paymentoptions"
const ours = (p: SpreadPayment) => p.provider_id.startsWith("pp_paymentoptions_")

function payment(id: string, created_at: string, captured: any, refunded: any = 0, extra: Partial<SpreadPayment> = {}): SpreadPayment {
  return { id, provider_id: PO, created_at, captured, refunded, ...extra }
}

describe("amountOwed", () => {
  it("is minus a negative pending difference, else 0", () => {
    expect(amountOwed(-5000)).toBe("5000")
    expect(amountOwed({ value: "-87.957975", precision: 20 })).toBe("87.957975")
    expect(amountOwed("-0.1")).toBe("0.1")
    expect(amountOwed(0)).toBe("0")
    expect(amountOwed(1200)).toBe("0")
    expect(amountOwed(null)).toBe("0")
    expect(amountOwed(undefined)).toBe("0")
  })

  it("keeps every digit (no float drift)", () => {
    expect(amountOwed("-0.30000000000000004")).toBe("0.30000000000000004")
    expect(amountOwed("-12345678901234.56")).toBe("12345678901234.56")
  })
})

describe("spreadRefund", () => {
  it("takes the oldest captured PaymentOptions payment first, never above its balance", () => {
    const result = spreadRefund(
      "7000",
      [payment("pay_new", "2026-01-02T00:00:00Z", 5000), payment("pay_old", "2026-01-01T00:00:00Z", 5000, 1000)],
      "jpy",
      ours
    )
    expect(result.allocations).toEqual([
      { payment_id: "pay_old", amount: "4000" },
      { payment_id: "pay_new", amount: "3000" },
    ])
    expect(result.left).toBe("0")
    expect(result.skipped).toEqual([])
  })

  it("stops once the amount is covered", () => {
    const result = spreadRefund("3000", [payment("a", "2026-01-01", 5000), payment("b", "2026-01-02", 5000)], "jpy", ours)
    expect(result.allocations).toEqual([{ payment_id: "a", amount: "3000" }])
    expect(result.left).toBe("0")
  })

  it("orders payments created at the same time by id", () => {
    const at = "2026-01-01T00:00:00Z"
    const result = spreadRefund("6000", [payment("pay_b", at, 5000), payment("pay_a", at, 5000)], "jpy", ours)
    expect(result.allocations.map((a) => a.payment_id)).toEqual(["pay_a", "pay_b"])
  })

  it("skips other providers, canceled, exhausted and blocked payments and says why; the rest is left", () => {
    const result = spreadRefund(
      "9000",
      [
        payment("stripe", "2026-01-01", 4000, 0, { provider_id: "pp_stripe_stripe" }),
        payment("canceled", "2026-01-02", 4000, 0, { canceled: true }),
        payment("used", "2026-01-03", 4000, 4000),
        payment("blocked", "2026-01-04", 4000, 0, { blocked: "refund ref_1 still has an unknown outcome" }),
        payment("ok", "2026-01-05", 3000, 500),
      ],
      "jpy",
      ours
    )
    expect(result.allocations).toEqual([{ payment_id: "ok", amount: "2500" }])
    expect(result.left).toBe("6500")
    expect(result.skipped).toEqual([
      { payment_id: "stripe", reason: "paid with pp_stripe_stripe: not refunded automatically", refundable: "4000" },
      { payment_id: "canceled", reason: "canceled", refundable: "4000" },
      { payment_id: "used", reason: "nothing left to refund", refundable: "0" },
      { payment_id: "blocked", reason: "refund ref_1 still has an unknown outcome", refundable: "4000" },
    ])
  })

  it("treats an over-refunded payment as having nothing left (never negative)", () => {
    const result = spreadRefund("100", [payment("a", "2026-01-01", 1000, 1001)], "usd", ours)
    expect(result.allocations).toEqual([])
    expect(result.skipped[0]).toMatchObject({ reason: "nothing left to refund", refundable: "0" })
    expect(result.left).toBe("100")
  })

  it("works on decimals and raw BigNumber values without float drift", () => {
    const result = spreadRefund(
      "0.3",
      [payment("a", "2026-01-01", { value: "0.1", precision: 20 }), payment("b", "2026-01-02", "0.2")],
      "usd",
      ours
    )
    expect(result.allocations).toEqual([
      { payment_id: "a", amount: "0.1" },
      { payment_id: "b", amount: "0.2" },
    ])
    expect(result.left).toBe("0")
  })

  it("does not make an allocation that rounds to zero in the currency; it stays left", () => {
    const result = spreadRefund("5000.4", [payment("a", "2026-01-01", 5000), payment("b", "2026-01-02", 5000)], "jpy", ours)
    expect(result.allocations).toEqual([{ payment_id: "a", amount: "5000" }])
    expect(result.left).toBe("0.4")
  })

  it("nothing owed, nothing allocated", () => {
    expect(spreadRefund("0", [payment("a", "2026-01-01", 5000)], "jpy", ours)).toEqual({ allocations: [], left: "0", skipped: [] })
    expect(spreadRefund("-5", [payment("a", "2026-01-01", 5000)], "jpy", ours).allocations).toEqual([])
  })
})

describe("roundsToZero", () => {
  it("uses the currency's decimals", () => {
    expect(roundsToZero("0.4", "jpy")).toBe(true)
    expect(roundsToZero("0.5", "jpy")).toBe(false)
    expect(roundsToZero("0.004", "usd")).toBe(true)
    expect(roundsToZero("0.005", "usd")).toBe(false)
    expect(roundsToZero("0.0004", "kwd")).toBe(true)
  })
})

describe("returnFullyReceived", () => {
  const items = [
    { item_id: "ordli_1", quantity: 2 },
    { item_id: "ordli_2", quantity: 1 },
  ]
  const receive = (id: string, quantity: any, action = "RECEIVE_RETURN_ITEM") => ({ action, details: { reference_id: id, quantity } })

  it("sums receipts over several steps (Medusa's own status stays partially_received)", () => {
    expect(returnFullyReceived(items, [receive("ordli_1", 1), receive("ordli_2", 1)])).toBe(false)
    expect(returnFullyReceived(items, [receive("ordli_1", 1), receive("ordli_2", 1), receive("ordli_1", 1)])).toBe(true)
  })

  it("counts damaged receipts, ignores other actions", () => {
    expect(
      returnFullyReceived(items, [
        { action: "RETURN_ITEM", details: { reference_id: "ordli_1", quantity: 2 } },
        receive("ordli_1", { value: "2", precision: 20 }, "RECEIVE_DAMAGED_RETURN_ITEM"),
        receive("ordli_2", "1"),
      ])
    ).toBe(true)
    expect(returnFullyReceived(items, [{ action: "RETURN_ITEM", details: { reference_id: "ordli_1", quantity: 2 } }])).toBe(false)
  })

  it("a return without items is never complete", () => {
    expect(returnFullyReceived([], [receive("ordli_1", 1)])).toBe(false)
  })
})
