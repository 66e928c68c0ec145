import { MedusaError, PaymentActions } from "@medusajs/framework/utils"
import { DEFAULT_TEST_CARD } from "../../sandbox"
import type PaymentOptionsProviderService from "../../src/providers/paymentoptions/service"
import {
  deliverWebhook,
  medusaMerge,
  naming,
  paidPayment,
  providerFor,
  recordTransitions,
  refundRequests,
  rejection,
  statusesOf,
  useSandbox,
} from "./helpers"

// The provider against the bundled sandbox over real HTTP on loopback: every refund rule and fault. Each refund is
// an intent in the operation log (`refund:<medusa refund id>`); `data` is chained through medusaMerge as Medusa would.
const sandbox = useSandbox()

const PAN = DEFAULT_TEST_CARD

/** Medusa's refund call: the raw amount and the refund id as idempotency key; returns the answer and the merged data. */
async function refund(provider: PaymentOptionsProviderService, data: Record<string, any>, amount: any, id: string) {
  const out = await provider.refundPayment({ data, amount, context: { idempotency_key: id } })
  return { out: out.data as Record<string, any>, data: medusaMerge(data, out.data) }
}

const refundOps = (store: { operations: Map<string, any> }) => [...store.operations.values()].filter((op) => op.kind === "refund")

describe("refundPayment against the sandbox", () => {
  it("refunds partially twice, then the exact remainder; each refund is one logged intent and one record", async () => {
    const { provider, logs, store } = providerFor(sandbox)
    const log = recordTransitions(store, sandbox)
    const { data: paid } = await paidPayment(provider, 5000)
    expect(paid.transaction_id).toEqual(expect.any(String))

    const first = await refund(provider, paid, { value: "1200", precision: 20 }, "ref_first")
    // Only the keys it changes: its own record and the derived total.
    expect(Object.keys(first.out).sort()).toEqual(["refunded_amount", "refunds"])
    expect(Object.keys(first.out.refunds)).toEqual(["ref_first"])
    const second = await refund(provider, first.data, 800, "ref_second")
    const last = await refund(provider, second.data, "3000", "ref_last")

    expect(refundRequests(sandbox).map((r) => r.body)).toEqual([
      { transactionId: paid.transaction_id, amount: "1200", merchant_id: "JP00000001", notes: "Medusa refund ref_first" },
      { transactionId: paid.transaction_id, amount: "800", merchant_id: "JP00000001", notes: "Medusa refund ref_second" },
      { transactionId: paid.transaction_id, amount: "3000", merchant_id: "JP00000001", notes: "Medusa refund ref_last" },
    ])

    const data = last.data
    expect(first.out.refunded_amount).toBe("1200")
    expect(second.out.refunded_amount).toBe("2000")
    expect(data.refunded_amount).toBe("5000")
    for (const key of Object.keys(paid).filter((k) => k !== "refunded_amount")) expect(data[key]).toEqual(paid[key]) // merged, nothing lost

    const gatewayRefunds = sandbox.transactions().filter((t) => t.type === "REFUND" && t.parentId === paid.transaction_id)
    expect(gatewayRefunds.map((t) => t.amount)).toEqual(["1200", "800", "3000"])
    for (const [id, amount] of [["ref_first", "1200"], ["ref_second", "800"], ["ref_last", "3000"]] as const) {
      const record = data.refunds[id]
      const gateway = gatewayRefunds.find((t) => t.id === record.transaction_id)!
      expect(record).toMatchObject({ status: "succeeded", amount, currency_code: "jpy", code: "INFO0002", ref: String(gateway.ref) })
      expect(record.created_at).toEqual(expect.any(String))
      expect(store.operations.get(refundOps(store).find((op) => op.medusa_id === id)!.id)).toMatchObject({
        key: `refund:${id}`,
        status: "succeeded",
        parent_transaction_id: paid.transaction_id,
        transaction_id: gateway.id,
        amount,
      })
    }
    expect(statusesOf(log, "refund")).toEqual(["sending", "succeeded", "sending", "succeeded", "sending", "succeeded"])
    expect(log.filter((t) => t.kind === "refund" && t.status === "sending").map((t) => t.sentBefore)).toEqual([0, 1, 2])
    expect(await store.refundTotals(paid.transaction_id)).toEqual({ succeeded: "5000", open: [] })
    expect(sandbox.transaction(paid.transaction_id)!.refundedAmount).toBe("5000")

    // Nothing is left: a further refund is refused before the gateway is called.
    const error = await rejection(provider.refundPayment({ data, amount: 1, context: { idempotency_key: "ref_more" } }))
    expect(error.type).toBe(MedusaError.Types.INVALID_DATA)
    expect(error.message).toContain("only 0 remains refundable")
    expect(refundRequests(sandbox)).toHaveLength(3)
    expect(refundOps(store)).toHaveLength(3)
    expect(JSON.stringify(logs)).not.toContain(PAN)
  })

  it("the same Medusa refund again (a retried workflow step) replays its record; nothing is sent twice", async () => {
    const { provider, store } = providerFor(sandbox)
    const { data } = await paidPayment(provider, 3000)
    const first = await refund(provider, data, 1000, "ref_once")
    const again = await refund(provider, data, 1000, "ref_once") // stale data, as a retry before the write would have
    expect(again.out.refunds.ref_once).toEqual(first.out.refunds.ref_once)
    expect(again.out.refunded_amount).toBe("1000")
    expect(refundRequests(sandbox)).toHaveLength(1)
    expect(refundOps(store)).toHaveLength(1)
  })

  it("refunded_amount comes from the log, not from the data it was given: stale data cannot over-refund", async () => {
    const { provider } = providerFor(sandbox)
    const { data } = await paidPayment(provider, 1000)
    await refund(provider, data, 700, "ref_a")
    // A caller holding the data from before the first refund (a concurrent admin) asks for 700 again.
    const error = await rejection(provider.refundPayment({ data, amount: 700, context: { idempotency_key: "ref_b" } }))
    expect(error.type).toBe(MedusaError.Types.INVALID_DATA)
    expect(error.message).toContain("only 300 remains refundable")
    expect(refundRequests(sandbox)).toHaveLength(1)
    expect(sandbox.transaction(data.transaction_id)!.refundedAmount).toBe("700")
  })

  it("the gateway's own balance rule still holds for money refunded outside Medusa (portal): ERR3019 declines, nothing recorded", async () => {
    const { provider, store } = providerFor(sandbox)
    const { data } = await paidPayment(provider, 1000)
    await (provider as any).client_.refund({ transactionId: data.transaction_id, amount: "700", merchant_id: sandbox.credentials.merchantId })
    const error = await rejection(provider.refundPayment({ data, amount: 700, context: { idempotency_key: "ref_portal" } }))
    expect(error.type).toBe(MedusaError.Types.NOT_ALLOWED)
    expect(error.message).toContain("ERR3019")
    expect(refundOps(store)).toEqual([expect.objectContaining({ medusa_id: "ref_portal", status: "declined", code: "ERR3019" })])
    expect(sandbox.transaction(data.transaction_id)!.refundedAmount).toBe("700")
  })

  it("stores the card masked although the gateway echoes the full number", async () => {
    const { provider, logs, store } = providerFor(sandbox)
    const { data } = await paidPayment(provider, 3000)
    const statusBody = JSON.stringify(await (provider as any).client_.getTransactionStatus(data.transaction_id))
    expect(statusBody).toContain(PAN) // the sandbox echoes it, like the real one
    expect(data.card).toEqual({ scheme: "VISA", last4: "1111", exp_month: "12", exp_year: "30" })
    const refunded = await refund(provider, data, 100, "ref_mask")
    for (const stored of [refunded.data, [...store.operations.values()], logs]) {
      expect(JSON.stringify(stored)).not.toContain(PAN)
      expect(JSON.stringify(stored)).not.toContain('"number"')
    }
  })

  describe("amounts finer than the currency", () => {
    it("JPY 0.5 is refused before any call, and so is a sub-yen amount that is not Medusa's whole remaining balance", async () => {
      const { provider, store } = providerFor(sandbox)
      const { data } = await paidPayment(provider, 1000)
      const half = await rejection(provider.refundPayment({ data, amount: 0.5, context: { idempotency_key: "ref_half" } }))
      expect(half.type).toBe(MedusaError.Types.INVALID_DATA)
      expect(half.message).toContain("more decimals than JPY allows (0)")
      const almost = await rejection(provider.refundPayment({ data, amount: "999.4", context: { idempotency_key: "ref_almost" } }))
      expect(almost.message).toContain("remaining balance (1000)")
      expect(refundRequests(sandbox)).toEqual([])
      expect(store.operations.size).toBe(1) // the sale only

      const part = await refund(provider, data, 400, "ref_400")
      // Medusa's books say ¥600 remain: ¥599.5 would be refunded as ¥600 while Medusa books ¥599.5. Refused.
      const close = await rejection(provider.refundPayment({ data: part.data, amount: "599.5", context: { idempotency_key: "ref_close" } }))
      expect(close.message).toContain("remaining balance (600)")
      const rest = await refund(provider, part.data, { value: "600", precision: 20 }, "ref_rest")
      expect(refundRequests(sandbox).map((r) => (r.body as any).amount)).toEqual(["400", "600"])
      expect(rest.out.refunds.ref_rest).toMatchObject({ status: "succeeded", amount: "600" })
      expect(rest.data.refunded_amount).toBe("1000")
      expect(sandbox.transaction(data.transaction_id)!.refundedAmount).toBe("1000")
    })

    it("USD 0.005 (and 4.005) is refused; whole cents pass; 10.338 is refused though it rounds to the remaining 10.34", async () => {
      const { provider } = providerFor(sandbox)
      const { data: paid } = await paidPayment(provider, "12.34", "usd")
      expect(paid.amount).toBe("12.34")
      for (const amount of [0.005, { value: "4.005", precision: 20 }]) {
        const error = await rejection(provider.refundPayment({ data: paid, amount, context: { idempotency_key: "ref_sub" } }))
        expect(error.type).toBe(MedusaError.Types.INVALID_DATA)
        expect(error.message).toContain("more decimals than USD allows (2)")
      }
      expect(refundRequests(sandbox)).toEqual([])

      const whole = await refund(provider, paid, { value: "2.000", precision: 20 }, "ref_usd")
      expect(refundRequests(sandbox).at(-1)!.body).toMatchObject({ amount: "2.00" })
      const close = await rejection(provider.refundPayment({ data: whole.data, amount: { value: "10.338", precision: 20 }, context: { idempotency_key: "ref_usd_close" } }))
      expect(close.message).toContain("remaining balance (10.34)")
      const rest = await refund(provider, whole.data, { value: "10.34", precision: 20 }, "ref_usd_rest")
      expect(refundRequests(sandbox).at(-1)!.body).toMatchObject({ amount: "10.34" })
      expect(rest.data.refunded_amount).toBe("12.34")
      expect(sandbox.transaction(paid.transaction_id)!.refundedAmount).toBe("12.34")
    })
  })

  it("an amount finer than the currency passes when it is exactly Medusa's whole remaining balance (Medusa's amount had decimals)", async () => {
    const { provider, store } = providerFor(sandbox)
    // Medusa's total is ¥1000.4 (e.g. after tax); the gateway charged ¥1000.
    const { data } = await paidPayment(provider, "1000.4")
    expect(data).toMatchObject({ amount: "1000", medusa_amount: "1000.4" })
    const part = await refund(provider, data, 400, "ref_part")
    const wrong = await rejection(provider.refundPayment({ data: part.data, amount: "599.6", context: { idempotency_key: "ref_wrong" } }))
    expect(wrong.message).toContain("more decimals than JPY allows")
    const rest = await refund(provider, part.data, { value: "600.4", precision: 20 }, "ref_rest")
    expect(rest.out.refunds.ref_rest).toMatchObject({ status: "succeeded", amount: "600" })
    expect(rest.data.refunded_amount).toBe("1000")
    expect(store.operations.size).toBeGreaterThan(0)
    expect((await store.findOperation("refund:ref_rest"))!.requested_amount).toBe("600.4")
  })

  describe("failures throw, so Medusa deletes its refund row and payment.data is untouched", () => {
    it.each([
      ["decline", MedusaError.Types.NOT_ALLOWED, ["declined", "ERR0204"]],
      ["over_balance", MedusaError.Types.NOT_ALLOWED, ["declined", "ERR3019", "Insufficient refund balance"]],
      ["unauthorized", MedusaError.Types.UNEXPECTED_STATE, ["credentials", "HTTP 401"]],
    ] as const)("%s: the intent is closed as declined and does not block the next refund", async (fault, type, words) => {
      const { provider, store } = providerFor(sandbox)
      const { data } = await paidPayment(provider, 2000)
      sandbox.addFault({ op: "refund", fault, transactionId: data.transaction_id })
      const error = await rejection(provider.refundPayment({ data, amount: 500, context: { idempotency_key: `ref_${fault}` } }))
      expect(error.type).toBe(type)
      for (const word of words) expect(error.message).toContain(word)
      expect(error.message).not.toContain(sandbox.credentials.apiKey)
      expect(sandbox.transaction(data.transaction_id)!.refundedAmount ?? "0").toBe("0")
      expect(refundOps(store)).toEqual([expect.objectContaining({ medusa_id: `ref_${fault}`, status: "declined" })])

      const next = await refund(provider, data, 500, `ref_after_${fault}`)
      expect(next.out.refunds[`ref_after_${fault}`].status).toBe("succeeded")
      expect(next.out.refunded_amount).toBe("500")
    })

    it("an unknown transaction id is reported, not refunded", async () => {
      const { provider } = providerFor(sandbox)
      const error = await rejection(
        provider.refundPayment({
          data: { currency_code: "jpy", amount: "100", transaction_id: "00000000-0000-4000-8000-000000000000" },
          amount: 10,
          context: { idempotency_key: "ref_nf" },
        })
      )
      expect(error.type).toBe(MedusaError.Types.NOT_FOUND)
      expect(error.message).toContain("does not know the transaction")
    })

    it("a payment without a captured transaction, or a refund without Medusa's id, is refused before any call", async () => {
      const { provider } = providerFor(sandbox)
      const noCapture = await rejection(provider.refundPayment({ data: { currency_code: "jpy", amount: "100" }, amount: 10, context: { idempotency_key: "ref_x" } }))
      expect(noCapture.message).toContain("capture it before refunding")
      const noId = await rejection(provider.refundPayment({ data: { currency_code: "jpy", amount: "100", transaction_id: "t" }, amount: 10 }))
      expect(noId.type).toBe(MedusaError.Types.INVALID_DATA)
      expect(sandbox.requests()).toEqual([])
    })
  })

  describe("unknown outcomes are never resent", () => {
    it.each(["server_error", "bad_gateway", "gateway_timeout", "server_error_after_commit", "malformed", "timeout_before", "timeout_after"] as const)(
      "%s: recorded as pending, exactly one request sent, further refunds refused until settled",
      async (fault) => {
        const { provider, logs, store } = providerFor(sandbox, { timeoutMs: 400 })
        const log = recordTransitions(store, sandbox)
        const { data } = await paidPayment(provider, 4000)
        sandbox.addFault({ op: "refund", fault, transactionId: data.transaction_id, delayMs: 1500 })
        const out = await refund(provider, data, 1000, `ref_${fault}`)
        expect(out.out.refunds[`ref_${fault}`]).toMatchObject({ status: "pending", amount: "1000", currency_code: "jpy" })
        expect(out.out.refunded_amount).toBe("0")
        expect(logs.some((l) => l.startsWith("warn") && l.includes(`ref_${fault}`) && l.includes("NOT resent"))).toBe(true)
        expect(statusesOf(log, "refund")).toEqual(["sending", "unknown"])

        const committed = ["server_error_after_commit", "malformed", "timeout_after"].includes(fault)
        const gatewayRefunds = sandbox.transactions().filter((t) => t.type === "REFUND" && t.parentId === data.transaction_id)
        expect(gatewayRefunds.length).toBe(committed ? 1 : 0)

        const error = await rejection(provider.refundPayment({ data: out.data, amount: 100, context: { idempotency_key: "ref_next" } }))
        expect(error.type).toBe(MedusaError.Types.NOT_ALLOWED)
        expect(error.message).toContain(`ref_${fault}`)
        expect(error.message).toContain("unknown outcome")
        // The same refund retried by Medusa: still pending, not resent.
        const replay = await refund(provider, data, 1000, `ref_${fault}`)
        expect(replay.out.refunds[`ref_${fault}`].status).toBe("pending")
        expect(refundRequests(sandbox)).toHaveLength(1)
        expect(refundOps(store)).toEqual([expect.objectContaining({ medusa_id: `ref_${fault}`, status: "unknown" })])
      }
    )

    it("a refund whose answer was lost gets its id from the gateway's refund webhook, settles, and unblocks the next refund", async () => {
      const { provider, store } = providerFor(sandbox, { timeoutMs: 400 })
      const log = recordTransitions(store, sandbox)
      const { data } = await paidPayment(provider, 4000)
      sandbox.addFault({ op: "refund", fault: "timeout_after", transactionId: data.transaction_id, delayMs: 1500 })
      const lost = await refund(provider, data, 1000, "ref_lost")
      expect(lost.out.refunds.ref_lost).toMatchObject({ status: "pending", transaction_id: null })

      const gatewayRefund = sandbox.transactions().find((t) => t.type === "REFUND")!
      const action = await deliverWebhook(provider, sandbox, naming(gatewayRefund.id))
      expect(action.action).toBe(PaymentActions.NOT_SUPPORTED) // Medusa has no refund action; the log is updated instead
      // The webhook only links the id (one row); settling, which also writes the ledger, happens under the payment's lock.
      expect(refundOps(store)).toEqual([expect.objectContaining({ medusa_id: "ref_lost", status: "pending", transaction_id: gatewayRefund.id })])
      expect(store.webhooks).toEqual([expect.objectContaining({ transaction_id: gatewayRefund.id, type: "REFUND", session_id: data.session_id })])

      const next = await refund(provider, lost.data, 500, "ref_next")
      expect(next.out.refunds.ref_next).toMatchObject({ status: "succeeded", amount: "500" })
      expect(next.out.refunded_amount).toBe("1500")
      expect(statusesOf(log, "refund")).toEqual(["sending", "unknown", "pending", "succeeded", "sending", "succeeded"])
      expect(refundRequests(sandbox)).toHaveLength(2)
    })

    it("a refund webhook is linked only to the one unsettled refund of that amount", async () => {
      const { provider, store } = providerFor(sandbox, { timeoutMs: 400 })
      const { data } = await paidPayment(provider, 4000)
      sandbox.addFault({ op: "refund", fault: "timeout_after", transactionId: data.transaction_id, delayMs: 1500 })
      await refund(provider, data, 1000, "ref_lost")
      // A refund of another amount (made in the portal) is announced on the same session: not ours.
      const portal = await (provider as any).client_.refund({ transactionId: data.transaction_id, amount: "300", merchant_id: sandbox.credentials.merchantId })
      await deliverWebhook(provider, sandbox, naming(portal.transaction_details.id))
      expect(refundOps(store)).toEqual([expect.objectContaining({ medusa_id: "ref_lost", status: "unknown", transaction_id: null })])
    })

    it("unclear response code: settled from Transaction Status within the window", async () => {
      const { provider, store } = providerFor(sandbox, { refundSettleTimeoutMs: 3000, refundSettleIntervalMs: 50 })
      const { data } = await paidPayment(provider, 4000)
      sandbox.addFault({ op: "refund", fault: "unclear", transactionId: data.transaction_id, settleAfterMs: 200 })
      const out = await refund(provider, data, 1500, "ref_unclear")
      const record = out.out.refunds.ref_unclear
      expect(record).toMatchObject({ status: "succeeded", amount: "1500", code: "INFO0002" })
      expect(record.settled_at).toEqual(expect.any(String))
      expect(out.out.refunded_amount).toBe("1500")
      expect(refundOps(store)).toEqual([expect.objectContaining({ status: "succeeded", transaction_id: record.transaction_id })])
    })

    it("unclear then declined at the gateway: the refund fails and its intent is closed as declined", async () => {
      const { provider, store } = providerFor(sandbox, { refundSettleTimeoutMs: 3000 })
      const { data } = await paidPayment(provider, 4000)
      sandbox.addFault({ op: "refund", fault: "unclear", transactionId: data.transaction_id, settleAfterMs: 100, settleOutcome: "declined" })
      const error = await rejection(provider.refundPayment({ data, amount: 1500, context: { idempotency_key: "ref_unclear_d" } }))
      expect(error.type).toBe(MedusaError.Types.NOT_ALLOWED)
      expect(error.message).toContain("declined")
      expect(refundOps(store)).toEqual([expect.objectContaining({ status: "declined" })])
    })

    it.each(["unclear", "pending", "in_progress"] as const)(
      "%s beyond the window: pending with the gateway id; the next refund settles it first, then proceeds",
      async (fault) => {
        const { provider } = providerFor(sandbox, { refundSettleTimeoutMs: 100 })
        const { data } = await paidPayment(provider, 4000)
        sandbox.addFault({ op: "refund", fault, transactionId: data.transaction_id })
        const out = await refund(provider, data, 1000, "ref_slow")
        const pending = out.out.refunds.ref_slow
        expect(pending.status).toBe("pending")
        expect(pending.transaction_id).toEqual(expect.any(String))

        // Still unknown: refused, nothing sent.
        await expect(provider.refundPayment({ data: out.data, amount: 100, context: { idempotency_key: "ref_blocked" } })).rejects.toThrow("unknown outcome")
        expect(refundRequests(sandbox)).toHaveLength(1)

        sandbox.settle(pending.transaction_id, "succeeded")
        const next = await refund(provider, out.data, 500, "ref_after")
        // The earlier refund settled on the way is written too: the ledger agrees with refunded_amount.
        expect(Object.keys(next.out.refunds).sort()).toEqual(["ref_after", "ref_slow"])
        const ledger = next.data.refunds
        expect(ledger.ref_slow).toMatchObject({ status: "succeeded", transaction_id: pending.transaction_id })
        expect(ledger.ref_after).toMatchObject({ status: "succeeded", amount: "500" })
        expect(next.data.refunded_amount).toBe("1500")
        expect(refundRequests(sandbox)).toHaveLength(2)
      }
    )

    it("a pending refund whose Transaction Status reads success:false + INFO stays pending and keeps blocking (explicit-decline rule)", async () => {
      const { provider, store } = providerFor(sandbox, { refundSettleTimeoutMs: 0 })
      const { data } = await paidPayment(provider, 4000)
      sandbox.addFault({ op: "refund", fault: "pending", transactionId: data.transaction_id })
      const out = await refund(provider, data, 1000, "ref_p")
      const id = out.out.refunds.ref_p.transaction_id
      sandbox.addFault({ op: "status", fault: "in_progress", transactionId: id })
      await expect(provider.refundPayment({ data: out.data, amount: 3000, context: { idempotency_key: "ref_more" } })).rejects.toThrow("unknown outcome")
      expect(refundOps(store).find((op) => op.medusa_id === "ref_p")).toMatchObject({ status: "pending", settled_at: null })
      expect(refundRequests(sandbox)).toHaveLength(1)
    })

    it("a pending refund that the gateway later declines stops blocking and no longer counts", async () => {
      const { provider, logs, store } = providerFor(sandbox, { refundSettleTimeoutMs: 0 })
      const { data } = await paidPayment(provider, 4000)
      sandbox.addFault({ op: "refund", fault: "pending", transactionId: data.transaction_id })
      const out = await refund(provider, data, 1000, "ref_p")
      sandbox.settle(out.out.refunds.ref_p.transaction_id, "declined")
      const next = await refund(provider, out.data, 4000, "ref_full")
      expect(next.data.refunds.ref_p.status).toBe("failed")
      expect(next.data.refunded_amount).toBe("4000")
      expect(refundOps(store).map((op) => [op.medusa_id, op.status])).toEqual([
        ["ref_p", "declined"],
        ["ref_full", "succeeded"],
      ])
      expect(logs.some((l) => l.includes("ref_p") && l.includes("declined"))).toBe(true)
    })
  })
})
