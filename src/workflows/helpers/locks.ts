import type { MedusaContainer } from "@medusajs/framework/types"
import { Modules } from "@medusajs/framework/utils"

/**
 * One lock key per payment and per order, on Medusa's locking module (in-memory by default, Redis in production),
 * taken by every operation that moves money or writes the refund ledger: the plugin's middleware around Medusa's
 * refund/capture routes, and the plugin's workflows (acquireLockStep / releaseLockStep).
 */
export const paymentLockKey = (paymentId: string) => `paymentoptions:payment:${paymentId}`
export const orderLockKey = (orderId: string) => `paymentoptions:order:${orderId}`

/** Seconds to wait for a lock another request, job run or process holds. */
export const LOCK_TIMEOUT_SECONDS = 30
/** Seconds after which a lock left by a dead process expires (longer than any gateway call with its settling). */
export const LOCK_TTL_SECONDS = 120

/** Runs `job` under the payment's lock (for steps that find the payments to lock as they go). */
export async function withPaymentLock<T>(
  container: MedusaContainer,
  paymentId: string,
  job: () => Promise<T>,
  timeoutSeconds = LOCK_TIMEOUT_SECONDS
): Promise<T> {
  const locking = container.resolve(Modules.LOCKING)
  return locking.execute(paymentLockKey(paymentId), job, { timeout: timeoutSeconds })
}
