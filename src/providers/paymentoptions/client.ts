import http from "node:http"
import https from "node:https"
import type { AxiosError, AxiosInstance, AxiosResponse, AxiosStatic } from "axios"
import type { z } from "zod"
import { GatewayErrorKind, PaymentOptionsError } from "./errors"
import { classifyResponseCode } from "./response-codes"
import type * as Schemas from "./schemas"
import type { HppLink, successEnvelopeSchema, ThreeDsChallenge, TransactionEnvelope } from "./schemas"

// The answers' zod schemas are built on the first gateway answer, not when Medusa boots (like axios below).
let schemasModule: typeof Schemas | undefined
const schemas = (): typeof Schemas => (schemasModule ??= require("./schemas") as typeof Schemas)

export interface ClientConfig {
  gatewayUrl: string
  apiPathPrefix: string
  apiKey: string
  xApiKey: string
  timeoutMs: number
}

export type SuccessEnvelope = z.infer<typeof successEnvelopeSchema>

export type CardPaymentAnswer =
  | { kind: "envelope"; envelope: SuccessEnvelope }
  | { kind: "challenge"; challenge: ThreeDsChallenge }

export interface FollowUpRequest {
  transactionId: string
  amount: string
  merchant_id: string
  notes?: string
}

// Errors where the request provably never left this machine: resending cannot double anything.
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ERR_INVALID_URL", "EHOSTUNREACH", "ENETUNREACH"])

/**
 * The axios instance every gateway call goes through. One factory, so that the benchmark's bare-axios baseline is
 * configured exactly like the provider (bench/refund.bench.ts) and the two cannot drift.
 */
export function createGatewayHttp(config: ClientConfig): AxiosInstance {
  // Required here rather than imported: axios and its dependencies are about a third of the plugin's load time, and
  // Medusa loads the plugin at boot but makes the first gateway client only when a payment needs it.
  const axios: AxiosStatic = require("axios")
  return axios.create({
    baseURL: `${config.gatewayUrl}${config.apiPathPrefix}`,
    timeout: config.timeoutMs,
    httpAgent: new http.Agent({ keepAlive: true }),
    httpsAgent: new https.Agent({ keepAlive: true }),
    headers: {
      Authorization: `Basic ${config.apiKey}`,
      "x-api-key": config.xApiKey,
      "Content-Type": "application/json",
      Accept: "application/json",
    },
    // Every status is interpreted by the client; axios must not throw on 4xx/5xx.
    validateStatus: () => true,
    // Never follow redirects on money calls: a redirect is not an answer.
    maxRedirects: 0,
  })
}

/** A thin client over the server-to-server API: one request shape, one error classification. */
export class PaymentOptionsClient {
  /** Made at the first gateway call (see createGatewayHttp). */
  private http: AxiosInstance | undefined

  constructor(private readonly config: ClientConfig) {}

  generateHppLink(body: Record<string, unknown>): Promise<HppLink> {
    return this.call("hpp link", "post", "/hpp/generate/link", body).then((res) => {
      if (res.status < 200 || res.status >= 300) throw failure("hpp link", res, false)
      const parsed = schemas().hppLinkSchema.safeParse(res.data)
      if (!parsed.success) throw unreadable("hpp link", res, false)
      return parsed.data
    })
  }

  /** authorizationv2 / paymentv2: a PRE_AUTH or a sale, or a 3-D Secure challenge for the shopper. */
  async authorizeV2(body: Record<string, unknown>): Promise<CardPaymentAnswer> {
    return this.cardPayment("authorization", "/authorizationv2", body)
  }

  async purchaseV2(body: Record<string, unknown>): Promise<CardPaymentAnswer> {
    return this.cardPayment("payment", "/paymentv2", body)
  }

  capture(body: FollowUpRequest): Promise<SuccessEnvelope> {
    return this.mutate("capture", "/capture", body)
  }

  refund(body: FollowUpRequest): Promise<SuccessEnvelope> {
    return this.mutate("refund", "/refund", body)
  }

  void(body: { transactionId: string; merchant_id: string }): Promise<SuccessEnvelope> {
    return this.mutate("void", "/void", body)
  }

  /** The transaction as the gateway sees it now; `success:false` is an answer here, not an error. */
  async getTransactionStatus(transactionId: string): Promise<TransactionEnvelope> {
    const res = await this.call(
      "transaction status",
      "get",
      `/transaction/status/${encodeURIComponent(transactionId)}`
    )
    if (res.status < 200 || res.status >= 300) throw failure("transaction status", res, false)
    const parsed = schemas().parseTransactionEnvelope(res.data)
    if (!parsed.success) throw unreadable("transaction status", res, false)
    return parsed.data
  }

  private async cardPayment(operation: string, path: string, body: unknown): Promise<CardPaymentAnswer> {
    const res = await this.call(operation, "post", path, body)
    if (res.status >= 200 && res.status < 300 && typeof (res.data as any)?.redirect_url === "string") {
      const challenge = schemas().threeDsChallengeSchema.safeParse(res.data)
      if (!challenge.success) throw unreadable(operation, res, true)
      return { kind: "challenge", challenge: challenge.data }
    }
    if (res.status < 200 || res.status >= 300) throw failure(operation, res, true)
    const parsed = schemas().parseTransactionEnvelope(res.data)
    if (!parsed.success) throw unreadable(operation, res, true)
    return { kind: "envelope", envelope: interpretEnvelope(operation, parsed.data, res.status) }
  }

  private async mutate(operation: string, path: string, body: unknown): Promise<SuccessEnvelope> {
    const res = await this.call(operation, "post", path, body)
    if (res.status < 200 || res.status >= 300) throw failure(operation, res, true)
    const parsed = schemas().parseTransactionEnvelope(res.data)
    if (!parsed.success) throw unreadable(operation, res, true)
    return interpretEnvelope(operation, parsed.data, res.status)
  }

  private async call(
    operation: string,
    method: "get" | "post",
    path: string,
    body?: unknown
  ): Promise<AxiosResponse> {
    const http = (this.http ??= createGatewayHttp(this.config))
    try {
      return await http.request({ method, url: path, data: body })
    } catch (error) {
      const code = (error as AxiosError).code ?? ""
      const kind: GatewayErrorKind = NOT_SENT.has(code) ? "unavailable" : method === "get" ? "unavailable" : "outcome_unknown"
      throw new PaymentOptionsError({
        kind,
        operation,
        cause: code === "ECONNABORTED" || code === "ETIMEDOUT" ? `no answer within ${this.config.timeoutMs} ms` : code || (error as Error).message,
      })
    }
  }
}

/** A 2xx envelope: success, or a refusal, or an outcome only Transaction Status can tell. */
export function interpretEnvelope(operation: string, envelope: TransactionEnvelope, httpStatus: number): SuccessEnvelope {
  const code = envelope.gateway_response.code
  const responseCode = envelope.payment_details?.response_code
  const cls = classifyResponseCode(responseCode)
  const transactionId = envelope.transaction_details?.id ?? null
  // The usual answer first: a clean success with its transaction id (what the checks below also conclude).
  if (transactionId && envelope.success && (cls === undefined || cls === "approved") && /^INFO/i.test(code)) return envelope as SuccessEnvelope
  const details = {
    operation,
    httpStatus,
    code,
    responseCode,
    gatewayMessage: envelope.gateway_response.message,
    transactionId,
  }
  if (cls === "unclear" || cls === "pending" || (cls === "retryable" && transactionId)) {
    throw new PaymentOptionsError({ ...details, kind: "outcome_unknown" })
  }
  if (envelope.success && /^INFO/i.test(code) && (cls === undefined || cls === "approved")) {
    // The envelope is already parsed; a success only additionally needs its transaction id.
    if (envelope.transaction_details?.id) return envelope as SuccessEnvelope
    // Success without a transaction id: the money may have moved but we cannot follow it.
    throw new PaymentOptionsError({ ...details, kind: "outcome_unknown", cause: "success without a transaction id" })
  }
  if (envelope.success) {
    // success:true with a non-INFO code or a declining response code contradicts itself.
    throw new PaymentOptionsError({ ...details, kind: "outcome_unknown", cause: "contradictory answer" })
  }
  if (cls === "retryable") throw new PaymentOptionsError({ ...details, kind: "unavailable" })
  // Only an explicit refusal is one (as in status.ts outcomeOf): `success:false` with an INFO code and no declining
  // response code may have moved money, so Transaction Status settles it.
  if (cls !== "declined" && cls !== "invalid" && !/^(ERR|VAL)/i.test(code)) {
    throw new PaymentOptionsError({ ...details, kind: "outcome_unknown", cause: "no explicit decline" })
  }
  throw new PaymentOptionsError({ ...details, kind: cls === "invalid" || /^VAL/i.test(code) ? "invalid_request" : "declined" })
}

function failure(operation: string, res: AxiosResponse, mutating: boolean): PaymentOptionsError {
  const parsed = schemas().failureBodySchema.safeParse(res.data)
  const body = parsed.success ? parsed.data : undefined
  const code = body?.gateway_response?.code ?? body?.messageCode ?? null
  const responseCode = body?.payment_details?.response_code ?? null
  const errorText = typeof body?.error === "string" ? body.error : body?.error?.message
  const details = {
    operation,
    httpStatus: res.status,
    code,
    responseCode,
    gatewayMessage: body?.gateway_response?.message ?? body?.message ?? errorText ?? null,
    transactionId: body?.transaction_details?.id ?? null,
  }
  if (res.status === 401 || res.status === 403) return new PaymentOptionsError({ ...details, kind: "authentication" })
  if (res.status >= 500 || res.status < 200 || (res.status >= 300 && res.status < 400)) {
    // 5xx, 502, 504 and redirects: the gateway may have processed the request before failing.
    return new PaymentOptionsError({ ...details, kind: mutating ? "outcome_unknown" : "unavailable" })
  }
  if (res.status === 404) return new PaymentOptionsError({ ...details, kind: "not_found" })
  const cls = classifyResponseCode(responseCode)
  if (mutating && (cls === "unclear" || cls === "pending")) {
    return new PaymentOptionsError({ ...details, kind: "outcome_unknown" })
  }
  // No code at all (e.g. `{message:"Bad Request"}`) means the request itself was refused.
  const invalid = cls === "invalid" || (code ? /^VAL/i.test(code) : responseCode === null)
  return new PaymentOptionsError({ ...details, kind: invalid ? "invalid_request" : "declined" })
}

function unreadable(operation: string, res: AxiosResponse, mutating: boolean): PaymentOptionsError {
  // Keep whatever id the body names so an unknown outcome can still be settled.
  const loose = res.data && typeof res.data === "object" ? (res.data as Record<string, any>) : {}
  const id = loose?.transaction_details?.id
  return new PaymentOptionsError({
    kind: mutating ? "outcome_unknown" : "invalid_response",
    operation,
    httpStatus: res.status,
    transactionId: typeof id === "string" && id.length <= 64 ? id : null,
    cause: "the response body does not have the documented shape",
  })
}
