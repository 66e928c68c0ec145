import type { Logger, MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, MathBN, MedusaError } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, transform, when, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { acquireLockStep, refundPaymentWorkflow, releaseLockStep, updateReturnsStep } from "@medusajs/medusa/core-flows"
import { PAYMENTOPTIONS_MODULE } from "../modules/paymentoptions"
import type PaymentOptionsModuleService from "../modules/paymentoptions/service"
import { providersWhere } from "../providers/paymentoptions/context"
import { currencyDecimals } from "../providers/paymentoptions/money"
import { LOCK_TIMEOUT_SECONDS, LOCK_TTL_SECONDS, orderLockKey, paymentLockKey } from "./helpers/locks"
import { settleAndSyncLedger } from "./helpers/payment-ledger"
import { amountOwed, returnFullyReceived } from "./helpers/refund-spread"

/**
 * The automatic refund of a received return (provider option `autoRefundOnReturn`), once per return:
 * 1. a claim row (unique per return) is written before any money moves; a second delivery of the event, another
 *    process or a retry finds it and does nothing;
 * 2. under the order's and its payments' locks (the same ones the admin's Refund button takes), what the order owes
 *    is recomputed from its summary right before each refund, so a refund made by hand meanwhile is never paid twice;
 * 3. each refund goes through Medusa's refundPaymentWorkflow (refund row, order transaction, credit lines, event),
 *    oldest PaymentOptions payment first; a payment whose earlier refund is still unsettled makes the claim `waiting`
 *    (the settle job retries it once that refund is settled).
 */

export const RETURN_METADATA_KEY = "paymentoptions_refund"

export type RefundReceivedReturnInput = { return_id: string; retry?: boolean }

type ClaimEntry = { payment_id: string; refund_id: string | null; amount: string; status: string; error?: string }

interface Prepared {
  claimed: boolean
  claim_id?: string
  order_id?: string
  lock_keys?: string[]
  reason?: string
}

function moduleOf(container: MedusaContainer) {
  return container.resolve<PaymentOptionsModuleService>(PAYMENTOPTIONS_MODULE)
}

async function loadOrder(container: MedusaContainer, orderId: string) {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const {
    data: [order],
  } = await query.graph({
    entity: "order",
    fields: [
      "id",
      "currency_code",
      "summary",
      "payment_collections.payments.id",
      "payment_collections.payments.provider_id",
      "payment_collections.payments.created_at",
      "payment_collections.payments.canceled_at",
      "payment_collections.payments.captures.raw_amount",
      "payment_collections.payments.refunds.id",
      "payment_collections.payments.refunds.raw_amount",
    ],
    filters: { id: orderId },
  })
  if (!order) throw new MedusaError(MedusaError.Types.NOT_FOUND, `Order ${orderId} not found.`)
  const payments = (order.payment_collections ?? []).flatMap((pc: any) => pc?.payments ?? []).filter(Boolean)
  payments.sort((a: any, b: any) => new Date(a.created_at).getTime() - new Date(b.created_at).getTime() || (a.id < b.id ? -1 : 1))
  return { order, payments }
}

/**
 * Checks the option, the return and its receipt, and claims the return (or, on retry, takes back a `waiting` claim).
 * Compensation: a claim whose refunds failed is marked `failed` with the error, never deleted.
 */
export const prepareReturnRefundStep = createStep<RefundReceivedReturnInput, Prepared, string | null>(
  "paymentoptions-prepare-return-refund",
  async (input: RefundReceivedReturnInput, { container }) => {
    const logger = container.resolve<Logger>(ContainerRegistrationKeys.LOGGER)
    const enabled = providersWhere((o) => o.autoRefundOnReturn)
    if (!enabled.length) return skipped({ claimed: false, reason: "option off" })
    const query = container.resolve(ContainerRegistrationKeys.QUERY)
    const {
      data: [ret],
    } = await query.graph({
      entity: "return",
      fields: ["id", "order_id", "status", "canceled_at", "items.item_id", "items.quantity"],
      filters: { id: input.return_id },
    })
    if (!ret) return skipped({ claimed: false, reason: "return not found" })
    if (ret.canceled_at || ret.status === "canceled") return skipped({ claimed: false, reason: "return canceled" })
    const { data: changes } = await query.graph({
      entity: "order_change",
      fields: ["id", "actions.action", "actions.details"],
      filters: { return_id: ret.id, status: "confirmed" },
    })
    const actions = (changes ?? []).flatMap((c: any) => c.actions ?? [])
    if (!returnFullyReceived((ret.items ?? []) as any[], actions)) {
      logger.info(`PaymentOptions automatic refund for return ${ret.id} waits until every item of the return is received.`)
      return skipped({ claimed: false, reason: "not fully received" })
    }
    const module = moduleOf(container)
    const [existing] = await module.listReturnRefunds({ return_id: ret.id } as any, { take: 1 })
    let claimId: string
    if (existing) {
      if (!input.retry || existing.status !== "waiting") {
        logger.info(`PaymentOptions automatic refund for return ${ret.id} (order ${ret.order_id}) was already handled (${existing.status}); nothing to do.`)
        return skipped({ claimed: false, reason: `already ${existing.status}` })
      }
      claimId = existing.id
      await module.updateReturnRefunds({ id: claimId, status: "in_progress", error: null } as any)
    } else {
      try {
        claimId = (await module.createReturnRefunds({ return_id: ret.id, order_id: ret.order_id, status: "in_progress" } as any)).id
      } catch (error) {
        // A concurrent delivery claimed it first (unique return_id).
        logger.info(`PaymentOptions automatic refund for return ${ret.id} is already being handled; nothing to do.`)
        return skipped({ claimed: false, reason: "claimed elsewhere" })
      }
    }
    const { payments } = await loadOrder(container, ret.order_id)
    const lockKeys = [
      orderLockKey(ret.order_id),
      ...payments.filter((p: any) => enabled.includes(p.provider_id)).map((p: any) => paymentLockKey(p.id)),
    ]
    return new StepResponse<Prepared, string | null>({ claimed: true, claim_id: claimId, order_id: ret.order_id, lock_keys: lockKeys }, claimId)
  },
  async (claimId: string | null | undefined, { container }) => {
    if (!claimId) return
    const module = moduleOf(container)
    const [claim] = await module.listReturnRefunds({ id: claimId } as any, { take: 1 })
    if (claim?.status === "in_progress") {
      await module.updateReturnRefunds({ id: claimId, status: "failed", error: claim.error ?? "the automatic refund stopped before it finished", finished_at: new Date() } as any)
    }
  }
)

function skipped(prepared: Prepared) {
  return new StepResponse<Prepared, string | null>(prepared, null)
}

function floorTo(amount: ReturnType<typeof MathBN.convert>, decimals: number): string {
  return amount.decimalPlaces(decimals, 1 /* ROUND_DOWN */).toFixed()
}

/**
 * Refunds what the order owes, recomputed right before each refund, under the locks the workflow holds. Writes the
 * claim's progress after every refund, so a crash leaves a claim listed by reconciliation, never a silent gap.
 */
export const refundReturnStep = createStep(
  "paymentoptions-refund-return",
  async (input: { claim_id: string; order_id: string; return_id: string }, { container }) => {
    const logger = container.resolve<Logger>(ContainerRegistrationKeys.LOGGER)
    const module = moduleOf(container)
    const enabled = providersWhere((o) => o.autoRefundOnReturn)
    const tag = `return ${input.return_id} (order ${input.order_id})`
    const [claim] = await module.listReturnRefunds({ id: input.claim_id } as any, { take: 1 })
    const entries: ClaimEntry[] = (claim?.refunds as ClaimEntry[] | null) ?? []
    const save = (patch: Record<string, unknown>) => module.updateReturnRefunds({ id: input.claim_id, refunds: entries, ...patch } as any)

    let currency = ""
    let owedAtStart: string | null = null
    const skipped: { payment_id: string; reason: string; refundable: string }[] = []
    for (let guard = 0; guard < 20; guard++) {
      const { order, payments } = await loadOrder(container, input.order_id)
      currency = String(order.currency_code).toLowerCase()
      const owed = amountOwed(order.summary?.raw_pending_difference ?? order.summary?.pending_difference)
      owedAtStart ??= owed
      if (!MathBN.gt(owed, 0)) break
      skipped.length = 0
      let next: { payment: any; amount: string } | undefined
      for (const p of payments) {
        const captured = MathBN.sum(0, ...(p.captures ?? []).map((c: any) => c.raw_amount))
        const refunded = MathBN.sum(0, ...(p.refunds ?? []).map((r: any) => r.raw_amount))
        const refundable = MathBN.sub(captured, refunded)
        const skip = (reason: string) => skipped.push({ payment_id: p.id, reason, refundable: MathBN.lt(refundable, 0) ? "0" : refundable.toFixed() })
        if (!enabled.includes(p.provider_id)) skip(`paid with ${p.provider_id}: not refunded automatically`)
        else if (p.canceled_at) skip("canceled")
        else if (!MathBN.gt(refundable, 0)) skip("nothing left to refund")
        else {
          const settled = await settleAndSyncLedger(container, p.id)
          if (settled.needs_operator.length || Object.values(settled.refunds).some((r) => r.status === "pending")) {
            await save({ status: "waiting", owed, currency_code: currency, error: `payment ${p.id} has a refund with an unknown outcome` })
            logger.warn(`PaymentOptions automatic refund for ${tag} waits: payment ${p.id} has a refund whose outcome is not settled yet.`)
            return new StepResponse({ status: "waiting" })
          }
          const whole = MathBN.lte(refundable, owed)
          const amount = whole ? refundable.toFixed() : floorTo(MathBN.convert(owed), currencyDecimals(currency))
          if (MathBN.gt(amount, 0)) {
            next = { payment: p, amount }
            break
          }
          skip("what is owed is less than the currency's smallest unit")
        }
      }
      if (!next) break
      try {
        const before = new Set((next.payment.refunds ?? []).map((r: any) => r.id))
        await refundPaymentWorkflow(container).run({
          input: { payment_id: next.payment.id, amount: next.amount, note: `Automatic refund for return ${input.return_id}` },
        })
        const ledger = await settleAndSyncLedger(container, next.payment.id, { settle: false })
        const created = Object.keys(ledger.refunds).filter((id) => !before.has(id)).at(-1) ?? null
        entries.push({
          payment_id: next.payment.id,
          refund_id: created,
          amount: next.amount,
          status: (created && ledger.refunds[created]?.status) ?? "unknown",
        })
        await save({ owed, currency_code: currency })
      } catch (error) {
        const message = (error as Error)?.message ?? String(error)
        entries.push({ payment_id: next.payment.id, refund_id: null, amount: next.amount, status: "failed", error: message })
        await save({ status: "failed", error: message, owed, currency_code: currency, finished_at: new Date() })
        logger.error(
          `PaymentOptions automatic refund for ${tag} failed on payment ${next.payment.id} (${next.amount} ${currency.toUpperCase()}): ${message}. ` +
            "Nothing more is refunded automatically for this return; refund what is owed from the order page."
        )
        return new StepResponse({ status: "failed" })
      }
    }
    const { order } = await loadOrder(container, input.order_id)
    const left = amountOwed(order.summary?.raw_pending_difference ?? order.summary?.pending_difference)
    const status = !entries.length && !MathBN.gt(left, 0) ? "nothing_owed" : MathBN.gt(left, 0) ? "partial" : "succeeded"
    await save({
      status,
      owed: owedAtStart,
      currency_code: currency || null,
      not_refunded: MathBN.gt(left, 0) ? { amount: left, payments: skipped } : null,
      error: null,
      finished_at: new Date(),
    })
    const summary = entries.map((e) => `${e.refund_id} on ${e.payment_id}: ${e.amount}, ${e.status}`).join("; ")
    if (status === "partial") {
      logger.warn(
        `PaymentOptions automatic refund for ${tag}: ${left} ${currency.toUpperCase()} is still owed and was not refunded automatically ` +
          `(${skipped.map((s) => `${s.payment_id}: ${s.reason}`).join("; ") || "no refundable PaymentOptions payment"}); refund it from the order page.`
      )
    } else {
      logger.info(`PaymentOptions automatic refund for ${tag}: ${status}${summary ? ` (${summary})` : ""}.`)
    }
    return new StepResponse({ status })
  }
)

/** Writes the claim's final status onto the return's metadata (other keys kept), for the admin and the API. */
export const returnMetadataStep = createStep(
  "paymentoptions-return-metadata",
  async (input: { return_id: string; claim_id: string }, { container }) => {
    const query = container.resolve(ContainerRegistrationKeys.QUERY)
    const {
      data: [ret],
    } = await query.graph({ entity: "return", fields: ["id", "metadata"], filters: { id: input.return_id } })
    const [claim] = await moduleOf(container).listReturnRefunds({ id: input.claim_id } as any, { take: 1 })
    return new StepResponse({
      id: input.return_id,
      metadata: { ...(ret?.metadata ?? {}), [RETURN_METADATA_KEY]: { claim_id: input.claim_id, status: claim?.status ?? "unknown" } },
    })
  }
)

export const refundReceivedReturnWorkflow = createWorkflow(
  { name: "paymentoptions-refund-received-return", idempotent: true },
  (input: RefundReceivedReturnInput) => {
    const prepared = prepareReturnRefundStep(input)
    const result = when("paymentoptions-return-claimed", { prepared }, ({ prepared }) => prepared.claimed).then(() => {
      const keys = transform({ prepared }, ({ prepared }) => prepared.lock_keys!)
      // An owner of its own: the locking providers take several keys one by one, and a key taken by an attempt that
      // then found another key busy must be the run's own on the next attempt (an owner-less key is nobody's, so the
      // run would wait for itself until the lock's TTL).
      const owner = transform({ prepared }, ({ prepared }) => `paymentoptions-return-refund:${prepared.claim_id}`)
      acquireLockStep({ key: keys, ownerId: owner, timeout: LOCK_TIMEOUT_SECONDS, ttl: LOCK_TTL_SECONDS })
      const refundInput = transform({ prepared, input }, ({ prepared, input }) => ({
        claim_id: prepared.claim_id!,
        order_id: prepared.order_id!,
        return_id: input.return_id,
      }))
      const refunded = refundReturnStep(refundInput)
      releaseLockStep({ key: keys, ownerId: owner })
      const update = returnMetadataStep(refundInput)
      const updates = transform({ update }, ({ update }) => [update])
      updateReturnsStep(updates)
      return refunded
    })
    return new WorkflowResponse(result as any)
  }
)
