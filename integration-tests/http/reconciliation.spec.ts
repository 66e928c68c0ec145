/**
 * Reconciliation of refunds with an unknown outcome in a real Medusa 2.21 (real PostgreSQL, the bundled sandbox):
 * GET /admin/paymentoptions/reconciliation, "Check now" (POST …/payments/:id/settle), an operator's resolve
 * (POST …/refunds/:refund_id/resolve), the scheduled job run by hand, and the automatic refund on returns left off
 * (the provider option's default).
 */
import { medusaIntegrationTestRunner } from "@medusajs/test-utils"
import { getFreePort } from "../../scripts/postgres"
import settlePendingRefundsJob from "../../src/jobs/settle-pending-refunds"
import { findSettleWorkWorkflow } from "../../src/workflows/find-settle-work"
import { gatewayRefundsOf as refundsOf, sandboxForMedusa, testAdmin } from "../helpers/sandbox-for-medusa"
import { fulfillOrder, getReturn, orderItems, orderSummary, returnAndReceive, setupFulfillment } from "../helpers/returns-flow"
import { AuthHeaders, capture, checkoutWithHostedPage, getOrderPayment, getPayment, refund, seedStore } from "../helpers/store-flow"

jest.setTimeout(120_000)

const sandbox = sandboxForMedusa(async () => {
  const port = await getFreePort()
  return {
    PORT: String(port),
    PO_BACKEND_URL: `http://localhost:${port}`,
    PO_TIMEOUT_MS: "1500",
    PO_AUTO_REFUND_ON_RETURN: "0",
    // An unknown outcome is polled 300 ms before it is recorded as pending (default 10 s).
    PO_REFUND_SETTLE_MS: "300",
    // The scheduled job must not run by itself here; the tests run it by hand.
    PAYMENTOPTIONS_SETTLE_JOB: "off",
  }
})
const gatewayRefundsOf = (transactionId: string) => refundsOf(sandbox, transactionId)

const noThrow = { validateStatus: () => true }
const sortByKind = (items: any[]) => [...items].sort((x, y) => String(x.kind).localeCompare(String(y.kind)))

medusaIntegrationTestRunner({
  testSuite: ({ api, getContainer }) => {
    let admin: AuthHeaders

    beforeEach(async () => {
      sandbox.clearFaults()
      // No refund webhooks: a lost answer stays unknown until the test settles or resolves it.
      sandbox.configure({ refundWebhooks: false })
      admin = await testAdmin(api, getContainer)
    })

    /** A paid ¥5,000 order; pass `seeded` to reuse a store (one region per country). */
    async function paidOrder(providerId?: string, seeded?: Awaited<ReturnType<typeof seedStore>>) {
      const store =
        seeded ??
        (await seedStore(api, admin, { currency_code: "jpy", unit_price: 5000, providerId, countries: providerId ? ["kr"] : undefined }))
      const { order } = await checkoutWithHostedPage(api, store.storeHeaders, {
        regionId: store.regionId,
        variantId: store.variantId,
        providerId,
        skipPay: !!providerId,
      })
      return { store, order, payment: await getOrderPayment(api, admin, order.id) }
    }

    /** A ¥1,000 refund from the Refund button whose outcome the gateway leaves unknown. */
    async function pendingRefund(payment: any, fault: "unclear" | "timeout_after") {
      sandbox.addFault({ op: "refund", fault, transactionId: payment.data.transaction_id, delayMs: fault === "timeout_after" ? 5000 : 0 })
      const res = await refund(api, admin, payment.id, { amount: 1000 })
      expect(res.status).toBe(200)
      const record = await getPayment(api, admin, payment.id)
      const refundId = record.refunds[record.refunds.length - 1].id
      expect(record.data.refunds[refundId]).toMatchObject({ status: "pending", amount: "1000" })
      return { refundId, stored: record.data.refunds[refundId] }
    }

    /**
     * GET /admin/paymentoptions/reconciliation without orphan payments: the database is reset between tests while the
     * gateway's sale webhook of the previous test's checkout may still be on its way; it then names a session this
     * database never had, which is exactly an orphan payment (integration-tests/http/checkout-integrity.spec.ts).
     */
    async function reconciliation(query = "") {
      const { data } = await api.get(`/admin/paymentoptions/reconciliation${query}`, admin)
      const items = (data.items as any[]).filter((i) => i.kind !== "orphan_payment")
      return { items, count: items.length }
    }

    it("option off: a received return refunds nothing and leaves no claim", async () => {
      const { store, order, payment } = await paidOrder()
      const fulfillment = await setupFulfillment(api, admin, { salesChannelId: store.salesChannelId, countryCode: "jp", currency_code: "jpy" })
      await fulfillOrder(api, admin, order.id, fulfillment)
      const items = await orderItems(api, admin, order.id)
      const returnId = await returnAndReceive(api, admin, { orderId: order.id, locationId: fulfillment.locationId, items: [{ id: items[0].id, quantity: 1 }] })
      await new Promise((r) => setTimeout(r, 1500))
      expect((await getReturn(api, admin, returnId)).metadata?.paymentoptions_refund).toBeUndefined()
      const { data } = await api.get(`/admin/paymentoptions/orders/${order.id}`, admin)
      expect(data.order.return_refunds).toEqual([])
      expect((await getPayment(api, admin, payment.id)).refunds).toEqual([])
      expect(gatewayRefundsOf(payment.data.transaction_id)).toHaveLength(0)
      expect((await orderSummary(api, admin, order.id)).pending_difference).toBe(-5000)
    })

    it("a refund whose outcome is unknown is listed, and Check now settles it from Transaction Status; nothing is sent twice", async () => {
      const { order, payment } = await paidOrder()
      const { refundId, stored } = await pendingRefund(payment, "unclear")
      expect(stored.transaction_id).toEqual(expect.any(String))

      const listed = await reconciliation()
      expect(listed.items).toEqual([
        expect.objectContaining({
          kind: "refund_unknown",
          payment_id: payment.id,
          order_id: order.id,
          refund_id: refundId,
          amount: "1000",
          currency_code: "jpy",
          transaction_id: stored.transaction_id,
          action: expect.stringContaining(`POST /admin/paymentoptions/payments/${payment.id}/settle`),
        }),
      ])
      expect(listed.count).toBe(1)

      // Still pending at the gateway: nothing changes.
      let res = await api.post(`/admin/paymentoptions/payments/${payment.id}/settle`, {}, admin)
      expect(res.data).toMatchObject({ payment_id: payment.id, changed: [], needs_operator: [], unrecorded: [], refunded_amount: "0" })

      sandbox.settle(stored.transaction_id, "succeeded")
      res = await api.post(`/admin/paymentoptions/payments/${payment.id}/settle`, {}, admin)
      expect(res.status).toBe(200)
      expect(res.data).toMatchObject({ payment_id: payment.id, changed: [refundId], needs_operator: [], refunded_amount: "1000" })
      expect(res.data.refunds[refundId]).toMatchObject({ status: "succeeded", settled_at: expect.any(String) })

      const record = await getPayment(api, admin, payment.id)
      expect(record.data.refunds[refundId].status).toBe("succeeded")
      expect(record.data.refunded_amount).toBe("1000")
      expect(record.data.transaction_id).toBe(payment.data.transaction_id) // the whole data survived
      expect(gatewayRefundsOf(payment.data.transaction_id).map((t) => t.amount)).toEqual(["1000"])
      expect((await reconciliation()).items).toEqual([])

      // Settled: the next refund goes through.
      expect((await refund(api, admin, payment.id, { amount: 500 })).status).toBe(200)
      expect(gatewayRefundsOf(payment.data.transaction_id).map((t) => t.amount)).toEqual(["1000", "500"])
    })

    it("a timeout after the gateway committed and no refund webhook: the gateway cannot be asked (no id), an operator resolves it with a note", async () => {
      const { payment } = await paidOrder()
      const { refundId, stored } = await pendingRefund(payment, "timeout_after")
      expect(stored.transaction_id).toBeNull()
      // Exactly one refund reached the gateway; the operator finds it in the portal by its notes.
      const gateway = gatewayRefundsOf(payment.data.transaction_id)
      expect(gateway.map((t) => [t.amount, t.notes])).toEqual([["1000", `Medusa refund ${refundId}`]])
      expect((await reconciliation()).items).toEqual([
        expect.objectContaining({
          kind: "refund_unknown",
          refund_id: refundId,
          transaction_id: null,
          action: expect.stringContaining(`notes "Medusa refund ${refundId}"`),
        }),
      ])

      const settled = await api.post(`/admin/paymentoptions/payments/${payment.id}/settle`, {}, admin)
      expect(settled.data).toMatchObject({ changed: [], needs_operator: [refundId], refunded_amount: "0" })

      const res = await api.post(
        `/admin/paymentoptions/payments/${payment.id}/refunds/${refundId}/resolve`,
        { status: "succeeded", note: `Found in the portal: ref ${gateway[0].ref}` },
        admin
      )
      expect(res.status).toBe(200)
      const { data: me } = await api.get("/admin/users/me", admin)
      expect(res.data).toMatchObject({ payment_id: payment.id, changed: [refundId], needs_operator: [], refunded_amount: "1000" })
      expect(res.data.refunds[refundId]).toMatchObject({
        status: "succeeded",
        settled_at: expect.any(String),
        resolution: { by: me.user.id, note: `Found in the portal: ref ${gateway[0].ref}`, at: expect.any(String), status: "succeeded" },
      })
      const record = await getPayment(api, admin, payment.id)
      expect(record.data.refunds[refundId].resolution.by).toBe(me.user.id)
      expect(record.data.refunded_amount).toBe("1000")
      expect((await reconciliation()).items).toEqual([])

      // Only an unsettled refund can be resolved.
      const again = await api.post(
        `/admin/paymentoptions/payments/${payment.id}/refunds/${refundId}/resolve`,
        { status: "failed", note: "changed my mind" },
        { ...admin, ...noThrow }
      )
      expect(again.status).toBe(400)
      expect(again.data.message).toContain("already succeeded")
      expect(gatewayRefundsOf(payment.data.transaction_id)).toHaveLength(1)
    })

    it("a refund the gateway knows cannot be resolved by hand: it settles from the gateway", async () => {
      const { payment } = await paidOrder()
      const { refundId, stored } = await pendingRefund(payment, "unclear")
      const resolve = () =>
        api.post(`/admin/paymentoptions/payments/${payment.id}/refunds/${refundId}/resolve`, { status: "failed", note: "guess" }, { ...admin, ...noThrow })
      let res = await resolve()
      expect([res.status, res.data.message]).toEqual([400, expect.stringContaining("still processing there")])
      sandbox.settle(stored.transaction_id, "succeeded")
      res = await resolve()
      expect([res.status, res.data.message]).toEqual([400, expect.stringContaining("that answer stands")])
      const record = await getPayment(api, admin, payment.id)
      expect(record.data.refunds[refundId]).toMatchObject({ status: "succeeded" })
      expect(record.data.refunds[refundId].resolution).toBeUndefined()
      expect(record.data.refunded_amount).toBe("1000")
    })

    it("the scheduled job settles pending refunds by itself, never resending", async () => {
      const first = await paidOrder()
      const a = first.payment
      const b = (await paidOrder(undefined, first.store)).payment
      const c = (await paidOrder(undefined, first.store)).payment
      const ra = await pendingRefund(a, "unclear")
      const rb = await pendingRefund(b, "unclear")
      const rc = await pendingRefund(c, "timeout_after") // no gateway id: the job leaves it to an operator

      const work = async (limit: number) => (await findSettleWorkWorkflow(getContainer()).run({ input: { limit } })).result
      expect((await work(50)).payment_ids.sort()).toEqual([a.id, b.id].sort())
      expect((await work(1)).payment_ids).toEqual([a.id])

      sandbox.settle(ra.stored.transaction_id, "succeeded")
      sandbox.settle(rb.stored.transaction_id, "declined")
      const logger = getContainer().resolve("logger")
      const info = jest.spyOn(logger, "info")
      const run = await settlePendingRefundsJob(getContainer())
      expect(run.checked.sort()).toEqual([a.id, b.id].sort())
      expect(run.settled.sort()).toEqual([`${ra.refundId}:succeeded`, `${rb.refundId}:failed`].sort())
      expect(run).toMatchObject({ still_pending: 0, errors: 0 })
      expect(info.mock.calls.map((call) => String(call[0])).find((line) => line.includes("settle job"))).toMatch(/checked 2 payment\(s\), settled 2 refund\(s\)/)
      info.mockRestore()

      expect((await getPayment(api, admin, a.id)).data).toMatchObject({ refunded_amount: "1000", refunds: { [ra.refundId]: { status: "succeeded" } } })
      expect((await getPayment(api, admin, b.id)).data).toMatchObject({ refunded_amount: "0", refunds: { [rb.refundId]: { status: "failed" } } })
      expect((await getPayment(api, admin, c.id)).data.refunds[rc.refundId].status).toBe("pending")
      for (const p of [a, b, c]) expect(gatewayRefundsOf(p.data.transaction_id)).toHaveLength(1)

      // Nothing left that the gateway can settle: the next run checks nothing; c waits for an operator.
      expect(await settlePendingRefundsJob(getContainer())).toMatchObject({ checked: [], settled: [] })
      // b's refund was booked by Medusa while unknown and declined later: listed, the customer is owed it.
      expect(sortByKind((await reconciliation()).items)).toEqual([
        expect.objectContaining({ kind: "refund_failed_booked", payment_id: b.id, refund_id: rb.refundId, amount: "1000", action: expect.stringContaining("portal") }),
        expect.objectContaining({ kind: "refund_unknown", payment_id: c.id, refund_id: rc.refundId }),
      ])
    })

    it("clear 4xx answers: validation, unknown payment or refund, another provider's payment", async () => {
      const { payment } = await paidOrder()
      const { refundId } = await pendingRefund(payment, "timeout_after")
      const resolve = (body: unknown, paymentId = payment.id, id = refundId) =>
        api.post(`/admin/paymentoptions/payments/${paymentId}/refunds/${id}/resolve`, body, { ...admin, ...noThrow })

      for (const body of [{}, { status: "succeeded" }, { status: "maybe", note: "x" }, { status: "failed", note: "" }, { status: "failed", note: "x".repeat(501) }, { status: "failed", note: "x", extra: 1 }]) {
        const res = await resolve(body)
        expect([JSON.stringify(body), res.status, res.data.type]).toEqual([JSON.stringify(body), 400, "invalid_data"])
      }
      expect((await resolve({ status: "failed", note: "ok" }, "pay_unknown")).status).toBe(404)
      const unknownRefund = await resolve({ status: "failed", note: "ok" }, payment.id, "ref_unknown")
      expect([unknownRefund.status, unknownRefund.data.message]).toEqual([404, `Payment ${payment.id} has no PaymentOptions refund ref_unknown.`])
      expect((await api.post("/admin/paymentoptions/payments/pay_unknown/settle", {}, { ...admin, ...noThrow })).status).toBe(404)
      expect((await api.post(`/admin/paymentoptions/payments/${payment.id}/settle`, { extra: 1 }, { ...admin, ...noThrow })).status).toBe(400)

      for (const query of ["limit=0", "limit=1001", "limit=abc", "days=0", "days=x", "other=1"]) {
        const res = await api.get(`/admin/paymentoptions/reconciliation?${query}`, { ...admin, ...noThrow })
        expect([query, res.status]).toEqual([query, 400])
      }
      expect((await reconciliation("?limit=1&days=1")).items).toEqual([expect.objectContaining({ kind: "refund_unknown", refund_id: refundId })])

      // A payment of another provider is refused, and the pending one is still untouched.
      const other = (await paidOrder("pp_system_default")).payment
      await capture(api, admin, other.id)
      const res = await api.post(`/admin/paymentoptions/payments/${other.id}/settle`, {}, { ...admin, ...noThrow })
      expect([res.status, res.data.message]).toEqual([400, expect.stringContaining("pp_system_default")])
      expect((await getPayment(api, admin, payment.id)).data.refunds[refundId].status).toBe("pending")
    })

    it("the routes need an authenticated admin (401 without a token)", async () => {
      const anonymous = { validateStatus: () => true }
      const bogus = { headers: { authorization: "Bearer not-a-token" }, validateStatus: () => true }
      for (const auth of [anonymous, bogus]) {
        expect((await api.get("/admin/paymentoptions/reconciliation", auth)).status).toBe(401)
        expect((await api.get("/admin/paymentoptions/orders/order_x", auth)).status).toBe(401)
        expect((await api.post("/admin/paymentoptions/payments/pay_x/settle", {}, auth)).status).toBe(401)
        expect((await api.post("/admin/paymentoptions/payments/pay_x/refunds/ref_x/resolve", { status: "failed", note: "x" }, auth)).status).toBe(401)
        expect((await api.post("/admin/paymentoptions/orders/order_x/refund-cancel-shortfall", {}, auth)).status).toBe(401)
      }
    })
  },
})
