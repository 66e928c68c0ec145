import { moneyFormatter } from "../src/admin/lib/format"
import {
  activeClaims,
  claimBadge,
  claimStatus,
  describeResolve,
  describeSettle,
  describeShortfallFix,
  hasPaymentOptionsPayment,
  isEmptyPanel,
  isPaymentOptionsPayment,
  medusaRefundsOf,
  orderPanel,
  orderPaymentsKey,
  refundBadgeColor,
  refundRows,
  refundStatus,
} from "../src/admin/lib/refunds"

/** GET /admin/paymentoptions/orders/:id → `order`, as src/workflows/helpers/order-view.ts builds it. */
const view = {
  order_id: "order_1",
  payments: [
    {
      id: "pay_1",
      provider_id: "pp_paymentoptions_paymentoptions",
      currency_code: "jpy",
      transaction_id: "txn_sale_1",
      transaction_ref: "74811",
      card: { scheme: "VISA", last4: "1111", exp_month: "12", exp_year: "30" },
      amount: "5000",
      captured: "5000",
      refunded_amount: "1200",
      refunds: [
        {
          id: "ref_a",
          ref: "74812",
          transaction_id: "txn_ref_1",
          status: "succeeded",
          amount: "1200",
          currency_code: "jpy",
          code: "0",
          message: "Approved",
          created_at: "2026-11-28T03:04:00.000Z",
        },
        {
          id: "ref_b",
          ref: null,
          transaction_id: null,
          status: "pending",
          amount: "800",
          currency_code: "jpy",
          code: null,
          message: "timeout after 500 ms",
          created_at: "2026-11-28T03:05:00.000Z",
        },
        {
          id: "ref_c",
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
        {
          id: "ref_d",
          ref: "74814",
          transaction_id: "txn_ref_4",
          status: "pending",
          amount: "100",
          currency_code: "jpy",
          code: null,
          message: "processing",
          created_at: "2026-11-28T03:08:00.000Z",
        },
      ],
      pending: ["ref_b", "ref_d"],
      unrecorded: ["ref_x"],
    },
  ],
  return_refunds: [
    {
      id: "poret_1",
      return_id: "return_1",
      status: "in_progress",
      owed: "2000",
      currency_code: "jpy",
      refunds: [{ payment_id: "pay_1", refund_id: "ref_y", amount: "2000", status: "pending" }],
      not_refunded: null,
      error: null,
      created_at: "2026-11-28T04:00:00.000Z",
      finished_at: null,
    },
    {
      id: "poret_2",
      return_id: "return_2",
      status: "partial",
      owed: "3000",
      currency_code: "jpy",
      refunds: [],
      not_refunded: { amount: "3000", payments: [{ payment_id: "pay_1", reason: "nothing left to refund", refundable: "0" }] },
      error: null,
      created_at: "2026-11-28T05:00:00.000Z",
      finished_at: "2026-11-28T05:00:01.000Z",
    },
  ],
  cancel_shortfall: null,
  currency_decimals: { jpy: 0 },
}

/** The order the dashboard hands the widget (AdminOrder, the fields used). */
const medusaOrder = {
  id: "order_1",
  payment_collections: [
    {
      payments: [
        {
          id: "pay_1",
          provider_id: "pp_paymentoptions_paymentoptions",
          captured_at: "2026-11-28T03:00:00.000Z",
          refunds: [
            { id: "ref_a", amount: 1200, created_at: "2026-11-28T03:04:00.000Z" },
            { id: "ref_x", amount: 700, created_at: "2026-11-28T03:09:00.000Z" },
          ],
        },
        { id: "pay_sys", provider_id: "pp_system_default", refunds: [{ id: "ref_sys", amount: 5 }] },
      ],
    },
  ],
}

describe("admin widget: refund rows", () => {
  it("lists the view's refunds oldest first with every shown field", () => {
    const rows = refundRows(view.payments[0].refunds)
    expect(rows.map((r) => r.id)).toEqual(["ref_a", "ref_b", "ref_c", "ref_d"])
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
      needs_operator: false,
    })
    expect(rows[2].resolution).toEqual({ by: "user_1", note: "checked portal", at: "2026-11-28T03:07:00.000Z" })
  })

  it("reads a ledger keyed by refund id too (the settle and resolve answers)", () => {
    const rows = refundRows({ ref_b: { status: "succeeded", ref: "74815", created_at: "2" }, ref_a: { status: "failed", created_at: "1" } }, "usd")
    expect(rows.map((r) => `${r.id}:${r.status}:${r.currency_code}`)).toEqual(["ref_a:failed:usd", "ref_b:succeeded:usd"])
  })

  it("flags a pending refund without a gateway id as one an operator must resolve", () => {
    const rows = refundRows(view.payments[0].refunds)
    expect(rows.filter((r) => r.needs_operator).map((r) => r.id)).toEqual(["ref_b"])
  })

  it("tolerates missing or malformed data", () => {
    expect(refundRows(undefined)).toEqual([])
    expect(refundRows("x")).toEqual([])
    expect(refundRows([null, 5, { status: "succeeded" }])).toEqual([])
    expect(refundRows({ ref_x: null, ref_y: 5 })).toEqual([])
    const [row] = refundRows([{ id: "ref_z", status: "weird", amount: 12 }], "usd")
    expect(row).toMatchObject({ id: "ref_z", status: "unknown", amount: "12", currency_code: "usd", ref: null, needs_operator: false })
  })
})

describe("admin widget: statuses", () => {
  it("maps refund statuses to badge colours", () => {
    expect(refundBadgeColor("succeeded")).toBe("green")
    expect(refundBadgeColor("pending")).toBe("orange")
    expect(refundBadgeColor("failed")).toBe("red")
    expect(refundBadgeColor("unknown")).toBe("grey")
    expect(refundStatus("canceled")).toBe("unknown")
  })

  it("labels return-refund claims; in progress and waiting are active", () => {
    expect(claimBadge("in_progress")).toEqual({ label: "in progress", color: "blue" })
    expect(claimBadge("waiting")).toEqual({ label: "waiting", color: "orange" })
    expect(claimBadge("failed")).toEqual({ label: "failed", color: "red" })
    expect(claimBadge("partial")).toEqual({ label: "partial", color: "orange" })
    expect(claimBadge("succeeded")).toEqual({ label: "succeeded", color: "green" })
    expect(claimBadge("nothing_owed")).toEqual({ label: "nothing owed", color: "grey" })
    expect(claimStatus("exploded")).toBe("unknown")
    expect(claimBadge(claimStatus("exploded")).label).toBe("unknown")
  })

  it("recognises PaymentOptions payments by provider id (as the server does)", () => {
    expect(isPaymentOptionsPayment("pp_paymentoptions_paymentoptions")).toBe(true)
    expect(isPaymentOptionsPayment("pp_paymentoptions_jp")).toBe(true)
    expect(isPaymentOptionsPayment("pp_paymentoptions")).toBe(true)
    expect(isPaymentOptionsPayment("pp_paymentoptionsx_1")).toBe(false)
    expect(isPaymentOptionsPayment("pp_system_default")).toBe(false)
    expect(isPaymentOptionsPayment(undefined)).toBe(false)
  })
})

describe("admin widget: order panel", () => {
  it("reduces the route's answer to what the widget shows", () => {
    const panel = orderPanel(view, medusaRefundsOf(medusaOrder))
    expect(panel.order_id).toBe("order_1")
    expect(panel.currency_decimals).toEqual({ jpy: 0 })
    const [p] = panel.payments
    expect(p).toMatchObject({
      id: "pay_1",
      currency_code: "jpy",
      transaction_id: "txn_sale_1",
      transaction_ref: "74811",
      card: { scheme: "VISA", last4: "1111", exp_month: "12", exp_year: "30" },
      amount: "5000",
      captured: "5000",
      refunded_amount: "1200",
    })
    expect(p.pending.map((r) => r.id)).toEqual(["ref_b", "ref_d"])
    // The Medusa refund the ledger lacks, with its amount from the dashboard's order.
    expect(p.unrecorded).toEqual([{ id: "ref_x", amount: "700", created_at: "2026-11-28T03:09:00.000Z" }])
  })

  it("lists return refunds and says which are still running", () => {
    const panel = orderPanel(view)
    expect(panel.return_refunds.map((c) => `${c.return_id}:${c.status}`)).toEqual(["return_1:in_progress", "return_2:partial"])
    expect(panel.return_refunds[0].refunds).toEqual([{ payment_id: "pay_1", refund_id: "ref_y", amount: "2000", status: "pending", error: null }])
    expect(panel.return_refunds[1].not_refunded).toEqual({ amount: "3000", reasons: ["nothing left to refund"] })
    expect(activeClaims(panel).map((c) => c.return_id)).toEqual(["return_1"])
    const waiting = orderPanel({ ...view, return_refunds: [{ ...view.return_refunds[0], status: "waiting" }] })
    expect(activeClaims(waiting)).toHaveLength(1)
    const done = orderPanel({ ...view, return_refunds: [{ ...view.return_refunds[0], status: "succeeded" }] })
    expect(activeClaims(done)).toEqual([])
    expect(activeClaims(null)).toEqual([])
  })

  it("reads a cancel shortfall", () => {
    const panel = orderPanel({
      ...view,
      cancel_shortfall: { order_id: "order_1", currency_code: "jpy", booked: "5000", refunded: "1000", shortfall: "4000", payments: [] },
    })
    expect(panel.cancel_shortfall).toEqual({ currency_code: "jpy", booked: "5000", refunded: "1000", shortfall: "4000" })
    expect(orderPanel(view).cancel_shortfall).toBeNull()
  })

  it("copes with an empty or malformed answer", () => {
    const panel = orderPanel(undefined)
    expect(panel).toEqual({ order_id: null, payments: [], return_refunds: [], cancel_shortfall: null, currency_decimals: {} })
    expect(isEmptyPanel(panel)).toBe(true)
    expect(isEmptyPanel(orderPanel(view))).toBe(false)
    expect(orderPanel({ currency_decimals: { JPY: 0, usd: "2", kwd: -1 } }).currency_decimals).toEqual({ jpy: 0 })
    const [p] = orderPanel({ payments: [{ id: "pay_2", currency_code: "usd", refunds: "x", unrecorded: [null, "ref_q"] }] }).payments
    expect(p).toMatchObject({ id: "pay_2", currency_code: "usd", transaction_id: null, card: null, refunds: [], pending: [] })
    expect(p.unrecorded).toEqual([{ id: "ref_q", amount: null, created_at: null }])
  })
})

describe("admin widget: the dashboard's order", () => {
  it("keys the panel on the PaymentOptions payments' captures and refunds", () => {
    const key = orderPaymentsKey(medusaOrder)
    expect(key).toBe("pay_1:2026-11-28T03:00:00.000Z:ref_a:ref_x")
    const refunded = JSON.parse(JSON.stringify(medusaOrder))
    refunded.payment_collections[0].payments[0].refunds.push({ id: "ref_new", amount: 1 })
    expect(orderPaymentsKey(refunded)).not.toBe(key)
    // Another provider's refund does not concern the panel.
    const other = JSON.parse(JSON.stringify(medusaOrder))
    other.payment_collections[0].payments[1].refunds.push({ id: "ref_sys2", amount: 1 })
    expect(orderPaymentsKey(other)).toBe(key)
  })

  it("knows whether the order has a PaymentOptions payment at all", () => {
    expect(hasPaymentOptionsPayment(medusaOrder)).toBe(true)
    expect(hasPaymentOptionsPayment({ payment_collections: [{ payments: [{ id: "p", provider_id: "pp_system_default" }] }] })).toBe(false)
    expect(hasPaymentOptionsPayment({})).toBe(false)
    expect(hasPaymentOptionsPayment(null)).toBe(false)
  })
})

describe("admin widget: what a button did", () => {
  const refunds = Object.fromEntries(view.payments[0].refunds.map(({ id, ...r }) => [id, r]))

  it("describes what a settle call changed", () => {
    const settled = { ...refunds, ref_d: { ...refunds.ref_d, status: "succeeded" } }
    expect(describeSettle({ changed: ["ref_d"], needs_operator: [], refunds: settled })).toBe("74814 is now succeeded")
    expect(describeSettle({ changed: [], needs_operator: [], refunds })).toBe("No change: the gateway has no final outcome yet.")
    expect(describeSettle({ changed: ["ref_gone"], refunds })).toBe("ref_gone is now updated")
    expect(describeSettle({ changed: [], needs_operator: ["ref_b"], refunds })).toBe(
      'ref_b: the gateway never named this refund; look for "Medusa refund <id>" in the PaymentOptions portal, then resolve it here'
    )
    expect(describeSettle({ changed: ["ref_a"], needs_operator: ["ref_b", "ref_c"], refunds })).toBe(
      '74812 is now succeeded; ref_b, ref_c: the gateway never named these refunds; look for "Medusa refund <id>" in the PaymentOptions portal, then resolve it here'
    )
    expect(describeSettle(null)).toBe("No change: the gateway has no final outcome yet.")
  })

  it("describes a resolve and the cancel-shortfall fix", () => {
    expect(describeResolve("ref_b", { refunds: { ...refunds, ref_b: { ...refunds.ref_b, status: "failed" } } })).toBe("ref_b is now failed")
    expect(describeResolve("ref_q", {})).toBe("ref_q resolved")
    const money = moneyFormatter({ jpy: 0 })
    expect(describeShortfallFix({ order_id: "order_1", refunded: [{ payment_id: "pay_1", amount: "4000" }] }, "jpy", money)).toBe(
      "Refunded ¥4,000 on pay_1."
    )
    expect(describeShortfallFix({ refunded: [] }, "jpy", money)).toBe("Nothing was refunded.")
  })
})
