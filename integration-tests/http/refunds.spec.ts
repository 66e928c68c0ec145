/**
 * Refunds through a real Medusa 2.21 (real PostgreSQL, the provider loaded from ./src) and the bundled
 * sandbox gateway over loopback HTTP: exactly what the admin's Refund button and an order cancel do, and what the
 * order's PaymentOptions panel (GET /admin/paymentoptions/orders/:id) and reconciliation then show.
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { getFreePort } from "../../scripts/postgres"
import { gatewayRefundsOf as refundsOf, sandboxForMedusa, testAdmin } from "../helpers/sandbox-for-medusa"
import {
  AuthHeaders,
  capture,
  checkoutWithHostedPage,
  createRefundReason,
  getOrderPayment,
  getPayment,
  refund,
  seedStore,
} from "../helpers/store-flow"

jest.setTimeout(120_000)

// The gateway's webhooks come back to this Medusa (a known port), not to whatever listens on :9000.
const sandbox = sandboxForMedusa(async () => {
  const port = await getFreePort()
  return { PORT: String(port), PO_BACKEND_URL: `http://localhost:${port}`, PO_TIMEOUT_MS: "1500", PAYMENTOPTIONS_SETTLE_JOB: "off" }
})
const gatewayRefundsOf = (transactionId: string) => refundsOf(sandbox, transactionId)

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let admin: AuthHeaders

    beforeEach(async () => {
      sandbox.clearFaults()
      // No refund webhooks: a lost answer stays unknown (the reconciliation and issue-8 specs cover the webhook).
      sandbox.configure({ refundWebhooks: false })
      admin = await testAdmin(api, getContainer)
    })

    /** The order's PaymentOptions panel (GET /admin/paymentoptions/orders/:id). */
    async function panel(orderId: string) {
      const { data } = await api.get(`/admin/paymentoptions/orders/${orderId}`, admin)
      return data.order
    }

    /** Reconciliation items about this order (orphans of earlier tests' checkouts left out). */
    async function listedFor(orderId: string) {
      const { data } = await api.get("/admin/paymentoptions/reconciliation", admin)
      return (data.items as any[]).filter((i) => i.order_id === orderId)
    }

    async function paidOrder(currency_code = "jpy", unit_price = 5000) {
      const store = await seedStore(api, admin, { currency_code, unit_price })
      const { order } = await checkoutWithHostedPage(api, store.storeHeaders, { regionId: store.regionId, variantId: store.variantId })
      const payment = await getOrderPayment(api, admin, order.id)
      return { order, payment }
    }

    it("checkout on the hosted page, capture, two partial refunds and the exact remainder from the Refund button", async () => {
      const { order, payment } = await paidOrder()
      expect(payment.provider_id).toBe("pp_paymentoptions_paymentoptions")
      expect(payment.data).toMatchObject({ currency_code: "jpy", amount: "5000", transaction_id: expect.any(String) })
      expect(JSON.stringify(payment.data)).not.toContain("4111111111111111")
      expect(payment.data.card).toEqual({ scheme: "VISA", last4: "1111", exp_month: "12", exp_year: "30" })

      // The hosted page is a sale: Medusa recorded the capture at authorization; the button is a no-op.
      const captured = await capture(api, admin, payment.id)
      expect(captured.captures.map((c: any) => c.amount)).toEqual([5000])

      const reason = await createRefundReason(api, admin, { label: "Damaged" })
      const first = await refund(api, admin, payment.id, { amount: 1200, note: "scratched", refund_reason_id: reason.id })
      expect(first.status).toBe(200)
      const second = await refund(api, admin, payment.id, { amount: 800 })
      expect(second.status).toBe(200)

      let record = await getPayment(api, admin, payment.id)
      expect(record.refunds.map((r: any) => r.amount).sort()).toEqual([1200, 800].sort())
      expect(record.data.refunded_amount).toBe("2000")

      // Over the remainder by one yen. Medusa 2.21 tolerates one unit of the currency's precision
      // (getEpsilonFromDecimalPrecision(0) = 1 for JPY), so its own check lets this through: the provider refuses it.
      const over = await refund(api, admin, payment.id, { amount: 3001 })
      expect(over.status).toBe(400)
      expect(over.data.message).toContain("cannot refund 3001 JPY; only 3000 remains refundable")
      const wayOver = await refund(api, admin, payment.id, { amount: 3002 })
      expect(wayOver.status).toBe(400)
      expect(wayOver.data.message).toContain("not allowed to refund more than the captured amount")
      expect(gatewayRefundsOf(payment.data.transaction_id)).toHaveLength(2)
      expect((await getPayment(api, admin, payment.id)).refunds).toHaveLength(2)

      const last = await refund(api, admin, payment.id, { amount: 3000 })
      expect(last.status).toBe(200)

      record = await getPayment(api, admin, payment.id)
      const gateway = gatewayRefundsOf(payment.data.transaction_id)
      expect(gateway.map((t) => t.amount)).toEqual(["1200", "800", "3000"])
      expect(sandbox.transaction(payment.data.transaction_id)!.refundedAmount).toBe("5000")
      expect(record.data.refunded_amount).toBe("5000")
      // Each Medusa refund row has its gateway refund, ref and status on the payment record.
      expect(record.refunds).toHaveLength(3)
      for (const row of record.refunds) {
        const stored = record.data.refunds[row.id]
        const match = gateway.find((t) => t.id === stored.transaction_id)!
        expect(stored).toMatchObject({ status: "succeeded", ref: String(match.ref), amount: String(row.amount), code: "INFO0002" })
        expect(match.notes).toBe(`Medusa refund ${row.id}`)
      }
      // The original keys survived every merge.
      expect(record.data).toMatchObject({
        transaction_id: payment.data.transaction_id,
        session_id: payment.data.session_id,
        card: payment.data.card,
      })

      const { data } = await api.get(`/admin/orders/${order.id}?fields=summary`, admin)
      expect(data.order.summary.refunded_total).toBe(5000)

      // The panel shows the ledger with the refunded total derived from its succeeded records; nothing to reconcile.
      const view = await panel(order.id)
      expect(view.payments).toEqual([
        expect.objectContaining({ id: payment.id, captured: "5000", refunded_amount: "5000", pending: [], unrecorded: [] }),
      ])
      expect(view.payments[0].refunds.map((r: any) => [r.id, r.amount, r.status]).sort()).toEqual(
        record.refunds.map((r: any) => [r.id, String(r.amount), "succeeded"]).sort()
      )
      expect(view).toMatchObject({ return_refunds: [], cancel_shortfall: null })
      expect(await listedFor(order.id)).toEqual([])
    })

    it("a declined refund leaves no refund row and payment.data unchanged", async () => {
      const { payment } = await paidOrder()
      const before = await getPayment(api, admin, payment.id)
      sandbox.addFault({ op: "refund", fault: "over_balance", transactionId: payment.data.transaction_id })

      const res = await refund(api, admin, payment.id, { amount: 1000 })
      expect(res.status).toBe(400)
      expect(res.data.message).toContain("ERR3019")
      expect(res.data.message).toContain("Insufficient refund balance")

      const after = await getPayment(api, admin, payment.id)
      expect(after.refunds).toEqual([])
      expect(after.data).toEqual(before.data)
      expect(gatewayRefundsOf(payment.data.transaction_id)).toHaveLength(0)

      // The next refund goes through normally.
      expect((await refund(api, admin, payment.id, { amount: 1000 })).status).toBe(200)
    })

    it("a refund that times out after the gateway committed it is kept as pending and blocks further refunds", async () => {
      const { order, payment } = await paidOrder()
      sandbox.addFault({ op: "refund", fault: "timeout_after", transactionId: payment.data.transaction_id, delayMs: 5000 })

      const res = await refund(api, admin, payment.id, { amount: 1000 })
      // Money may have moved: Medusa keeps its refund row (the balance stays right) and the record says pending.
      expect(res.status).toBe(200)
      const record = await getPayment(api, admin, payment.id)
      expect(record.refunds).toHaveLength(1)
      expect(record.data.refunds[record.refunds[0].id]).toMatchObject({ status: "pending", amount: "1000", transaction_id: null })
      expect(record.data.refunded_amount).toBe("0")

      const next = await refund(api, admin, payment.id, { amount: 500 })
      expect(next.status).toBe(400)
      expect(next.data.message).toContain(record.refunds[0].id)
      expect(next.data.message).toContain("unknown outcome")
      // Exactly one refund reached the gateway: nothing was resent.
      expect(gatewayRefundsOf(payment.data.transaction_id).map((t) => t.amount)).toEqual(["1000"])
      expect((await getPayment(api, admin, payment.id)).refunds).toHaveLength(1)

      // The panel and reconciliation say so, with what to do (the gateway's notes carry the Medusa refund id).
      const refundId = record.refunds[0].id
      expect((await panel(order.id)).payments[0]).toMatchObject({ refunded_amount: "0", pending: [refundId], unrecorded: [] })
      expect(await listedFor(order.id)).toEqual([
        expect.objectContaining({
          kind: "refund_unknown",
          payment_id: payment.id,
          refund_id: refundId,
          amount: "1000",
          action: expect.stringContaining(`/admin/paymentoptions/payments/${payment.id}/refunds/${refundId}/resolve`),
        }),
      ])
    })

    it("refunds in USD with cents", async () => {
      const { payment } = await paidOrder("usd", 19.99)
      expect(payment.data.amount).toBe("19.99")
      expect((await refund(api, admin, payment.id, { amount: 5.55 })).status).toBe(200)
      expect((await refund(api, admin, payment.id, { amount: 14.44 })).status).toBe(200)
      expect(gatewayRefundsOf(payment.data.transaction_id).map((t) => t.amount)).toEqual(["5.55", "14.44"])
      expect((await getPayment(api, admin, payment.id)).data.refunded_amount).toBe("19.99")
    })

    it("canceling an order refunds the captured payment through the gateway", async () => {
      const { order, payment } = await paidOrder()
      const res = await api.post(`/admin/orders/${order.id}/cancel`, {}, admin)
      expect(res.data.order.status).toBe("canceled")

      const record = await getPayment(api, admin, payment.id)
      expect(record.refunds.map((r: any) => r.amount)).toEqual([5000])
      expect(record.data.refunds[record.refunds[0].id]).toMatchObject({ status: "succeeded", amount: "5000" })
      expect(gatewayRefundsOf(payment.data.transaction_id).map((t) => t.amount)).toEqual(["5000"])
      // Booked once by the cancel and refunded once: no shortfall.
      expect((await panel(order.id)).cancel_shortfall).toBeNull()
      expect(await listedFor(order.id)).toEqual([])
    })
  },
})
