import {
  AuthorizePaymentInput,
  AuthorizePaymentOutput,
  CancelPaymentInput,
  CancelPaymentOutput,
  CapturePaymentInput,
  CapturePaymentOutput,
  DeletePaymentInput,
  DeletePaymentOutput,
  GetPaymentStatusInput,
  GetPaymentStatusOutput,
  InitiatePaymentInput,
  InitiatePaymentOutput,
  Logger,
  ProviderWebhookPayload,
  RefundPaymentInput,
  RefundPaymentOutput,
  RetrievePaymentInput,
  RetrievePaymentOutput,
  UpdatePaymentInput,
  UpdatePaymentOutput,
  WebhookActionResult,
} from "@medusajs/framework/types"
import {
  AbstractPaymentProvider,
  BigNumber,
  MedusaError,
  PaymentActions,
  PaymentSessionStatus,
} from "@medusajs/framework/utils"
import { randomUUID } from "node:crypto"
import { PaymentOptionsClient, SuccessEnvelope } from "./client"
import { PaymentOptionsError, toMedusaError } from "./errors"
import { maskCard, maskPans } from "./masking"
import { currencyDecimals, isGreater, isPositive, normalizeAmount, subtractAmounts, toGatewayAmount } from "./money"
import { PaymentOptionsOptions, resolveOptions, ResolvedOptions } from "./options"
import {
  PaymentOptionsData,
  pendingRefundIds,
  readPaymentData,
  RefundRecord,
  refundedTotal,
} from "./payment-data"
import { refundFacts, settlePendingRefunds, settleTransaction } from "./refund-settlement"
import { TransactionEnvelope } from "./schemas"
import { outcomeOf, sessionStatusOf, TransactionOutcome } from "./status"

type InjectedDependencies = { logger: Logger }

const NOTES_MAX = 128

class PaymentOptionsProviderService extends AbstractPaymentProvider<PaymentOptionsOptions> {
  static identifier = "paymentoptions"

  protected readonly options_: ResolvedOptions
  protected readonly client_: PaymentOptionsClient
  protected readonly logger_: Logger

  static validateOptions(options: Record<string, unknown>): void {
    resolveOptions(options)
  }

  constructor(container: InjectedDependencies, options: PaymentOptionsOptions) {
    super(container, options)
    this.options_ = resolveOptions(options)
    this.logger_ = container.logger
    this.client_ = new PaymentOptionsClient(this.options_)
  }

  // ---------------------------------------------------------------- checkout

  async initiatePayment(input: InitiatePaymentInput): Promise<InitiatePaymentOutput> {
    const currencyCode = input.currency_code.toLowerCase()
    const amount = toGatewayAmount(input.amount, currencyCode)
    if (!isPositive(amount)) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, `PaymentOptions: cannot start a payment of ${amount} ${currencyCode.toUpperCase()}.`)
    }
    const sessionId = stringOrUndefined(input.data?.session_id) ?? input.context?.idempotency_key
    if (!sessionId) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, "PaymentOptions: no payment session id to use as merchant_txn_ref.")
    }
    const link = await this.gateway(() =>
      this.client_.generateHppLink({
        amount,
        currency: currencyCode.toUpperCase(),
        merchant_id: this.options_.merchantId,
        merchant_txn_ref: sessionId,
        ...(this.options_.merchantEmail ? { merchant_email: this.options_.merchantEmail } : {}),
        return_url: {
          webhook_url: this.options_.hookUrl,
          success_url: this.options_.successUrl,
          decline_url: this.options_.declineUrl,
          cancel_url: this.options_.cancelUrl,
        },
        time_zone: this.options_.timeZone,
      })
    )
    const data: PaymentOptionsData = {
      ...(input.data ?? {}),
      session_id: sessionId,
      checkout: "hpp",
      currency_code: currencyCode,
      amount,
      hpp_link_id: link.id,
      redirect_url: link.url,
      merchant_txn_ref: sessionId,
    }
    return { id: link.id, status: PaymentSessionStatus.PENDING, data }
  }

  async updatePayment(input: UpdatePaymentInput): Promise<UpdatePaymentOutput> {
    const data = readPaymentData(input.data)
    const currencyCode = input.currency_code.toLowerCase()
    const amount = toGatewayAmount(input.amount, currencyCode)
    if (data.amount === amount && data.currency_code === currencyCode && data.hpp_link_id) {
      return { status: PaymentSessionStatus.PENDING, data: input.data }
    }
    if (data.transaction_id || data.authorization_id || (await this.checkoutTransaction(data))) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        "PaymentOptions: the shopper already paid this session; its amount can no longer change. Refund or cancel instead."
      )
    }
    // The gateway has no call to change or expire a link: issue a new one; the old one stops matching this session.
    const next = await this.initiatePayment({ ...input, data: { ...input.data, session_id: data.session_id } })
    return { status: PaymentSessionStatus.PENDING, data: next.data }
  }

  async deletePayment(input: DeletePaymentInput): Promise<DeletePaymentOutput> {
    // No gateway call can expire a hosted-page link (API.md §2); nothing is charged until the shopper pays.
    return { data: input.data ?? {} }
  }

  async authorizePayment(input: AuthorizePaymentInput): Promise<AuthorizePaymentOutput> {
    const data = readPaymentData(input.data)
    if (data.transaction_id) return { status: PaymentSessionStatus.CAPTURED, data: input.data ?? {} }
    if (data.authorization_id) return { status: PaymentSessionStatus.AUTHORIZED, data: input.data ?? {} }

    const envelope = await this.checkoutTransaction(data)
    if (!envelope) return { status: PaymentSessionStatus.PENDING, data: input.data ?? {} }

    const outcome = outcomeOf(envelope)
    if (outcome !== "succeeded") {
      return {
        status: sessionStatusOf(outcome, true),
        data: { ...input.data, last_error: gatewayFacts(envelope) },
      }
    }
    this.assertMatchesSession(envelope, data)
    // The hosted page is a sale (API.md §5.8, §12): the transaction it created holds the captured funds.
    return {
      status: PaymentSessionStatus.CAPTURED,
      data: {
        ...input.data,
        ...this.capturedFacts(envelope, data),
        last_error: null,
      },
    }
  }

  async capturePayment(input: CapturePaymentInput): Promise<CapturePaymentOutput> {
    const data = readPaymentData(input.data)
    // Already captured (a sale, or an earlier capture): capturing again must not move money twice.
    if (data.transaction_id) return { data: input.data ?? {} }

    if (data.authorization_id) {
      const currencyCode = this.currencyOf(data)
      const amount = normalizeAmount(data.amount, currencyCode, "authorized amount")
      const envelope = await this.gateway(() =>
        this.client_.capture({
          transactionId: data.authorization_id!,
          amount,
          merchant_id: this.options_.merchantId,
          notes: notes("Medusa capture", input.context?.idempotency_key),
        })
      )
      return {
        data: {
          ...input.data,
          ...this.capturedFacts(envelope, data),
        },
      }
    }

    const envelope = await this.checkoutTransaction(data)
    if (envelope && outcomeOf(envelope) === "succeeded") {
      this.assertMatchesSession(envelope, data)
      return { data: { ...input.data, ...this.capturedFacts(envelope, data) } }
    }
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      "PaymentOptions: there is no successful PaymentOptions transaction to capture for this payment yet."
    )
  }

  async cancelPayment(input: CancelPaymentInput): Promise<CancelPaymentOutput> {
    const data = readPaymentData(input.data)
    if (data.void_id) return { data: input.data ?? {} }
    if (data.transaction_id) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `PaymentOptions: transaction ${data.transaction_id} is already captured; a captured payment cannot be voided, refund it instead.`
      )
    }
    if (data.authorization_id) {
      const envelope = await this.gateway(() =>
        this.client_.void({ transactionId: data.authorization_id!, merchant_id: this.options_.merchantId })
      )
      return {
        data: { ...input.data, void_id: envelope.transaction_details.id, canceled_at: new Date().toISOString() },
      }
    }
    const envelope = await this.checkoutTransaction(data)
    if (envelope && outcomeOf(envelope) === "succeeded") {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `PaymentOptions: the shopper paid transaction ${envelope.transaction_details!.id} on the hosted page; refund it instead of canceling.`
      )
    }
    // Nothing was charged; the gateway has no call to expire the hosted-page link.
    return { data: { ...input.data, canceled_at: new Date().toISOString() } }
  }

  async getPaymentStatus(input: GetPaymentStatusInput): Promise<GetPaymentStatusOutput> {
    const data = readPaymentData(input.data)
    if (data.void_id) return { status: PaymentSessionStatus.CANCELED, data: input.data ?? {} }
    const id = data.transaction_id ?? data.authorization_id
    const envelope = id ? await this.gateway(() => this.client_.getTransactionStatus(id)) : await this.checkoutTransaction(data)
    if (!envelope) return { status: PaymentSessionStatus.PENDING, data: input.data ?? {} }
    const captures = !data.authorization_id || !!data.transaction_id
    return { status: sessionStatusOf(outcomeOf(envelope), captures), data: input.data ?? {} }
  }

  async retrievePayment(input: RetrievePaymentInput): Promise<RetrievePaymentOutput> {
    const data = readPaymentData(input.data)
    const id = data.transaction_id ?? data.authorization_id
    const envelope = id ? await this.gateway(() => this.client_.getTransactionStatus(id)) : await this.checkoutTransaction(data)
    if (!envelope) return { data: input.data ?? {} }
    return {
      data: {
        ...input.data,
        gateway_status: { outcome: outcomeOf(envelope), ...gatewayFacts(envelope), checked_at: new Date().toISOString() },
      },
    }
  }

  // ------------------------------------------------------------------ refund

  async refundPayment(input: RefundPaymentInput): Promise<RefundPaymentOutput> {
    const data = readPaymentData(input.data)
    const refundId = input.context?.idempotency_key ?? `po_refund_${randomUUID()}`
    const currencyCode = this.currencyOf(data)
    if (!data.transaction_id) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        "PaymentOptions: this payment has no captured PaymentOptions transaction (no transaction_id in its data); capture it before refunding."
      )
    }
    const amount = toGatewayAmount(input.amount, currencyCode)
    if (!isPositive(amount)) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `PaymentOptions: a refund must be positive; got ${amount} ${currencyCode.toUpperCase()} after rounding to the currency's decimals.`
      )
    }

    const refunds: Record<string, RefundRecord> = { ...(data.refunds ?? {}) }
    if (refunds[refundId]?.status === "succeeded") {
      // The same Medusa refund again: it is done; never refund it a second time.
      return { data: this.withLedger(input.data, refunds, currencyCode) }
    }

    if (pendingRefundIds(refunds).length) await settlePendingRefunds(this.client_, refunds, this.logger_)
    const unsettled = pendingRefundIds(refunds)
    if (unsettled.length) {
      const facts = unsettled.map((id) => `${id}${refunds[id].transaction_id ? ` (gateway transaction ${refunds[id].transaction_id})` : " (no gateway transaction id)"}`)
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `PaymentOptions: refund ${facts.join(", ")} on this payment still has an unknown outcome at the gateway. ` +
          "Further refunds are refused until it is settled: check it in the PaymentOptions portal (its notes carry the Medusa refund id)."
      )
    }

    const captured = normalizeAmount(data.amount, currencyCode, "captured amount")
    const remaining = subtractAmounts(captured, refundedTotal(refunds, currencyCode), currencyCode)
    if (isGreater(amount, remaining)) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `PaymentOptions: cannot refund ${amount} ${currencyCode.toUpperCase()}; only ${remaining} remains refundable on transaction ${data.transaction_id}.`
      )
    }

    refunds[refundId] = await this.sendRefund(data.transaction_id, amount, currencyCode, refundId)
    return { data: this.withLedger(input.data, refunds, currencyCode) }
  }

  /** Sends one refund; an unknown outcome becomes a pending record, never a second request. */
  protected async sendRefund(
    transactionId: string,
    amount: string,
    currencyCode: string,
    refundId: string
  ): Promise<RefundRecord> {
    const base = { amount, currency_code: currencyCode, created_at: new Date().toISOString() }
    try {
      const envelope = await this.client_.refund({
        transactionId,
        amount,
        merchant_id: this.options_.merchantId,
        notes: notes("Medusa refund", refundId),
      })
      return {
        ...refundFacts(envelope, "succeeded"),
        amount,
        currency_code: currencyCode,
        created_at: envelope.transaction_details.timestamp ?? base.created_at,
      }
    } catch (error) {
      if (!(error instanceof PaymentOptionsError) || error.kind !== "outcome_unknown") throw toMedusaError(error)

      const pending: RefundRecord = {
        ...base,
        ref: null,
        transaction_id: error.transactionId ?? null,
        status: "pending",
        code: error.code ?? null,
        message: error.gatewayMessage ?? error.message,
      }
      if (pending.transaction_id) {
        const envelope = await settleTransaction(
          this.client_,
          pending.transaction_id,
          this.options_.refundSettleTimeoutMs,
          this.options_.refundSettleIntervalMs
        )
        const outcome = envelope ? outcomeOf(envelope) : "pending"
        if (outcome === "declined") {
          // The gateway confirms nothing was refunded: fail, so Medusa drops its refund row.
          throw new MedusaError(
            MedusaError.Types.NOT_ALLOWED,
            `PaymentOptions refund was declined (${describeEnvelope(envelope!)}; transaction ${pending.transaction_id}).`
          )
        }
        if (envelope && outcome === "succeeded") {
          return { ...base, ...refundFacts(envelope, "succeeded"), settled_at: new Date().toISOString() }
        }
      }
      this.logger_.warn(
        `PaymentOptions refund ${refundId} of ${amount} ${currencyCode.toUpperCase()} on transaction ${transactionId} has an unknown outcome ` +
          `(${maskPans(error.message)}); recorded as pending. It was NOT resent; further refunds on this payment are refused until it is settled.`
      )
      return pending
    }
  }

  protected withLedger(
    input: Record<string, unknown> | undefined,
    refunds: Record<string, RefundRecord>,
    currencyCode: string
  ): Record<string, unknown> {
    return { ...(input ?? {}), refunds, refunded_amount: refundedTotal(refunds, currencyCode) }
  }

  // ---------------------------------------------------------------- webhooks

  async getWebhookActionAndData(payload: ProviderWebhookPayload["payload"]): Promise<WebhookActionResult> {
    const body = (payload?.data ?? {}) as Record<string, any>
    const transactionId = typeof body?.transaction_details?.id === "string" ? body.transaction_details.id : null
    const claimedRef = body?.merchant_details?.merchant_txn_ref ?? body?.transaction_details?.merchant_txn_ref
    if (!transactionId || transactionId.length > 64) {
      return { action: PaymentActions.NOT_SUPPORTED }
    }
    // The payload is unsigned (API.md §10): only what Transaction Status says with our credentials counts.
    let envelope: TransactionEnvelope
    try {
      envelope = await this.client_.getTransactionStatus(transactionId)
    } catch (error) {
      if (error instanceof PaymentOptionsError && error.kind === "not_found") {
        this.logger_.warn(`PaymentOptions webhook names unknown transaction ${transactionId}; ignored.`)
        return { action: PaymentActions.NOT_SUPPORTED }
      }
      throw toMedusaError(error) // transient: let Medusa's subscriber retry
    }
    const sessionId = envelope.merchant_details?.merchant_txn_ref ?? envelope.transaction_details?.merchant_txn_ref
    const mid = envelope.merchant_details?.mid
    if (!sessionId || (claimedRef && claimedRef !== sessionId) || (mid && mid !== this.options_.merchantId)) {
      this.logger_.warn(`PaymentOptions webhook for transaction ${transactionId} does not match this merchant or session; ignored.`)
      return { action: PaymentActions.NOT_SUPPORTED }
    }
    const type = (envelope.transaction_type ?? "").toUpperCase()
    if (type === "REFUND" || type === "VOID") return { action: PaymentActions.NOT_SUPPORTED }

    const currency = envelope.payment_details?.currency?.toLowerCase()
    const amount =
      currency && envelope.payment_details?.amount !== undefined && envelope.payment_details?.amount !== null
        ? new BigNumber(normalizeAmount(envelope.payment_details.amount, currency))
        : undefined
    const outcome: TransactionOutcome = outcomeOf(envelope)
    const action =
      outcome === "succeeded"
        ? type === "PRE_AUTH"
          ? PaymentActions.AUTHORIZED
          : PaymentActions.SUCCESSFUL
        : outcome === "pending"
          ? PaymentActions.PENDING
          : PaymentActions.FAILED
    if (!amount) return { action: PaymentActions.NOT_SUPPORTED }
    return { action, data: { session_id: sessionId, amount } }
  }

  // ----------------------------------------------------------------- helpers

  /** The transaction the shopper created on the hosted page, or null if there is none yet. */
  protected async checkoutTransaction(data: PaymentOptionsData): Promise<TransactionEnvelope | null> {
    // API.md §5.8 calls the link id the "transaction reference ID"; the sale is looked up by it.
    const id = data.hpp_link_id
    if (!id) return null
    try {
      return await this.client_.getTransactionStatus(id)
    } catch (error) {
      if (error instanceof PaymentOptionsError && error.kind === "not_found") return null
      throw toMedusaError(error)
    }
  }

  protected capturedFacts(envelope: SuccessEnvelope | TransactionEnvelope, data: PaymentOptionsData): PaymentOptionsData {
    const details = envelope.transaction_details!
    const currencyCode = this.currencyOf(data)
    const paid = envelope.payment_details?.amount
    return {
      transaction_id: details.id,
      transaction_ref: details.ref === null || details.ref === undefined ? null : String(details.ref),
      amount: paid === null || paid === undefined ? normalizeAmount(data.amount, currencyCode) : normalizeAmount(paid, currencyCode),
      card: maskCard(envelope.payment_details?.card, envelope.payment_details?.scheme),
      captured_at: details.timestamp ?? new Date().toISOString(),
      refunded_amount: data.refunded_amount ?? normalizeAmount(0, currencyCode),
    }
  }

  /** Refuses a gateway transaction that is not the one this session asked for (amount, currency, reference). */
  protected assertMatchesSession(envelope: TransactionEnvelope, data: PaymentOptionsData): void {
    const currencyCode = this.currencyOf(data)
    const paid = envelope.payment_details?.amount
    const currency = envelope.payment_details?.currency
    const ref = envelope.merchant_details?.merchant_txn_ref ?? envelope.transaction_details?.merchant_txn_ref
    const problems = [
      paid !== null && paid !== undefined && normalizeAmount(paid, currencyCode) !== normalizeAmount(data.amount, currencyCode)
        ? `amount ${paid} instead of ${data.amount}`
        : null,
      currency && currency.toLowerCase() !== currencyCode ? `currency ${currency}` : null,
      ref && data.merchant_txn_ref && ref !== data.merchant_txn_ref ? `reference ${ref}` : null,
    ].filter(Boolean)
    if (problems.length) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `PaymentOptions transaction ${envelope.transaction_details?.id} does not match this payment session (${problems.join(", ")}); not accepted.`
      )
    }
  }

  protected currencyOf(data: PaymentOptionsData): string {
    const code = data.currency_code
    if (!code) {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, "PaymentOptions: the payment data has no currency_code; it was not created by this provider.")
    }
    currencyDecimals(code)
    return code.toLowerCase()
  }

  /** Runs a gateway call, turning its errors into MedusaErrors. */
  protected async gateway<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (error) {
      throw toMedusaError(error)
    }
  }
}

function gatewayFacts(envelope: TransactionEnvelope) {
  return {
    code: envelope.gateway_response.code,
    message: envelope.gateway_response.message ? maskPans(envelope.gateway_response.message) : null,
    response_code: envelope.payment_details?.response_code ?? null,
    transaction_id: envelope.transaction_details?.id ?? null,
  }
}

function describeEnvelope(envelope: TransactionEnvelope): string {
  const f = gatewayFacts(envelope)
  return [f.code && `code ${f.code}`, f.message && `"${f.message}"`, f.response_code !== null && `response code ${f.response_code}`]
    .filter(Boolean)
    .join(", ")
}

function notes(prefix: string, id: string | undefined): string | undefined {
  return id ? `${prefix} ${id}`.slice(0, NOTES_MAX) : undefined
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" && value.length ? value : undefined
}

export default PaymentOptionsProviderService
