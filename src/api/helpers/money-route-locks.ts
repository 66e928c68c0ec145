import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys, MathBN, MedusaError, Modules } from "@medusajs/framework/utils"
import { randomUUID } from "node:crypto"
import { providerOptionsOf } from "../../modules/paymentoptions/directory"
import { isPaymentOptionsProvider } from "../../providers/paymentoptions/context"
import { resolveOptions } from "../../providers/paymentoptions/options"
import { LOCK_TIMEOUT_SECONDS, LOCK_TTL_SECONDS, orderLockKey, paymentLockKey } from "../../workflows/helpers/locks"

/**
 * Middlewares around Medusa's own money routes for PaymentOptions payments. Medusa's refund and capture workflows
 * take no lock, so two presses of Refund, or a press during the return auto-refund or a settle, could interleave:
 * the route runs under the payment's and its order's locks (the plugin's workflows take the same keys), held until
 * the response is sent. Other providers' payments pass through untouched.
 */

async function paymentOptionsPayment(req: MedusaRequest) {
  const query = req.scope.resolve(ContainerRegistrationKeys.QUERY)
  const {
    data: [payment],
  } = await query.graph({
    entity: "payment",
    fields: ["id", "provider_id", "amount", "raw_amount", "currency_code", "payment_collection.order.id"],
    filters: { id: req.params.id },
  })
  return payment && isPaymentOptionsProvider(payment.provider_id) ? payment : null
}

/**
 * Seconds Medusa's refund or capture handler may run for a payment of `providerIds`: an earlier unknown refund asked
 * about, the call itself, and the settling poll, with a margin; never less than LOCK_TTL_SECONDS. A lock that expired
 * while its handler still ran would let a second refund in.
 */
export function handlerLockTtl(providerIds: string[]): number {
  let seconds = LOCK_TTL_SECONDS
  for (const id of providerIds) {
    let options
    try {
      options = resolveOptions(providerOptionsOf(id) ?? {})
    } catch {
      continue
    }
    // A capture's follow-ups or a refund after an earlier one asked about: up to four gateway calls and the poll.
    seconds = Math.max(seconds, Math.ceil((4 * options.timeoutMs + options.refundSettleTimeoutMs) / 1000) + 30)
  }
  return seconds * Math.max(1, providerIds.length)
}

/**
 * Takes `keys` (waiting up to LOCK_TIMEOUT_SECONDS, expiring after `ttlSeconds` if this process dies), runs `before`
 * under them, and holds them until Medusa's handler has answered (`res.end`), so the handler runs under them too,
 * even when the client has gone away meanwhile (a closed connection does not stop the handler).
 */
export async function holdLocks(
  req: MedusaRequest,
  res: MedusaResponse,
  next: MedusaNextFunction,
  keys: string[],
  {
    before,
    ttlSeconds = LOCK_TTL_SECONDS,
    busy = "Another refund, capture or settlement of this PaymentOptions payment is still running; nothing was sent. Try again in a moment.",
  }: { before?: () => Promise<void>; ttlSeconds?: number; busy?: string } = {}
) {
  const locking = req.scope.resolve(Modules.LOCKING)
  const ownerId = `paymentoptions-http:${randomUUID()}`
  const deadline = Date.now() + LOCK_TIMEOUT_SECONDS * 1000
  for (;;) {
    try {
      await locking.acquire(keys, { ownerId, expire: ttlSeconds })
      break
    } catch {
      // Keys taken before the one that was busy are let go while waiting: holding some while waiting for others
      // (another taker doing the reverse) would stall both.
      await locking.release(keys, { ownerId }).catch(() => undefined)
      if (Date.now() >= deadline) return next(new MedusaError(MedusaError.Types.NOT_ALLOWED, busy))
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
  let released = false
  const release = () => {
    if (released) return
    released = true
    locking.release(keys, { ownerId }).catch(() => undefined)
  }
  const end = res.end.bind(res) as (...args: unknown[]) => MedusaResponse
  res.end = ((...args: unknown[]) => {
    release()
    return end(...args)
  }) as typeof res.end
  res.once("finish", release)
  // An error after the headers were sent ends in a destroyed socket without res.end: the handler is done then too.
  res.once("close", () => {
    if (res.headersSent || res.writableEnded) release()
  })
  try {
    await before?.()
  } catch (error) {
    release()
    return next(error)
  }
  next()
}

/** The order's lock key and those of its PaymentOptions payments (empty when it has none), and the TTL they need. */
export async function orderLockKeys(req: MedusaRequest, orderId: string): Promise<{ keys: string[]; ttl: number }> {
  const query = req.scope.resolve(ContainerRegistrationKeys.QUERY)
  const {
    data: [order],
  } = await query.graph({
    entity: "order",
    fields: ["id", "payment_collections.payments.id", "payment_collections.payments.provider_id"],
    filters: { id: orderId },
  })
  const payments = (order?.payment_collections ?? []).flatMap((pc: any) => pc?.payments ?? []).filter((p: any) => p && isPaymentOptionsProvider(p.provider_id))
  if (!payments.length) return { keys: [], ttl: LOCK_TTL_SECONDS }
  return {
    keys: [orderLockKey(orderId), ...payments.map((p: any) => paymentLockKey(p.id)).sort()],
    ttl: handlerLockTtl(payments.map((p: any) => p.provider_id)),
  }
}

/** POST /admin/payments/:id/refund and /capture on a PaymentOptions payment run one at a time per payment and order. */
export async function lockPaymentMoneyRoute(req: MedusaRequest, res: MedusaResponse, next: MedusaNextFunction) {
  try {
    const payment = await paymentOptionsPayment(req)
    if (!payment) return next()
    const orderId = (payment as any).payment_collection?.order?.id
    return holdLocks(req, res, next, [...(orderId ? [orderLockKey(orderId)] : []), paymentLockKey(payment.id)], {
      ttlSeconds: handlerLockTtl([payment.provider_id]),
    })
  } catch (error) {
    next(error)
  }
}

/**
 * The gateway captures an authorization once and releases the rest (API.md §5.4), so a partial capture would leave
 * Medusa expecting a second capture the gateway cannot make: refused before Medusa creates a capture row.
 */
export async function refusePartialCapture(req: MedusaRequest, res: MedusaResponse, next: MedusaNextFunction) {
  try {
    const amount = (req.body as { amount?: unknown } | undefined)?.amount
    if (amount === undefined || amount === null) return next()
    const payment = await paymentOptionsPayment(req)
    if (!payment) return next()
    const authorized = MathBN.convert((payment as any).raw_amount ?? payment.amount)
    if (MathBN.lt(amount as any, authorized)) {
      return next(
        new MedusaError(
          MedusaError.Types.NOT_ALLOWED,
          `PaymentOptions captures an authorization once and releases the rest, so a partial capture of ${MathBN.convert(amount as any).toFixed()} of ` +
            `${authorized.toFixed()} ${String(payment.currency_code).toUpperCase()} is refused: capture the full amount and refund the difference.`
        )
      )
    }
    next()
  } catch (error) {
    next(error)
  }
}
