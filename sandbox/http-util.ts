// Small request/response helpers over node:http (no framework on purpose).
import type { IncomingMessage, ServerResponse } from "http"

const MAX_BODY = 1024 * 1024

export class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on("data", (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(new BodyError(413, "Request body too large"))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })
}

/** JSON or form-encoded body → plain object; empty body → {}. */
export function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw.trim() === "") return {}
  if (contentType?.includes("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(raw))
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw new BodyError(400, "Malformed JSON body")
  }
  if (!isObject(parsed)) throw new BodyError(400, "Request body must be a JSON object")
  return parsed
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}

export function str(v: unknown): string | undefined {
  if (typeof v === "string") return v
  if (typeof v === "number" && Number.isFinite(v)) return String(v)
  return undefined
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return
  const data = body === undefined ? "" : JSON.stringify(body)
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(data),
  })
  res.end(data)
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(html),
  })
  res.end(html)
}

export function redirect(res: ServerResponse, location: string): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(303, { location, "content-length": 0 })
  res.end()
}

export function wantsJson(req: IncomingMessage): boolean {
  return (req.headers.accept ?? "").includes("application/json")
}
