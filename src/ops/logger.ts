// One pino logger for the whole process, formatted like Probot's, with secrets redacted by path.
import { getTransformStream } from "@probot/pino";
import { pino, type Logger } from "pino";
import type { AppConfig } from "../config/env.js";

/** Fields that may carry credentials anywhere in a log record. */
export const REDACTED_PATHS = [
  "authorization",
  "headers.authorization",
  "req.headers.authorization",
  "request.headers.authorization",
  "*.headers.authorization",
  "token",
  "*.token",
  "privateKey",
  "*.privateKey",
  "apiKey",
  "*.apiKey",
  "webhookSecret",
  "*.webhookSecret",
  "secret",
  "*.secret",
  "password",
  "*.password",
  // Probot's HTTP request log records request and response headers: the admin dashboard's
  // session travels in cookies.
  "req.headers.cookie",
  "*.headers.cookie",
  'res.headers["set-cookie"]',
  '*.headers["set-cookie"]',
];

/**
 * Credentials in URL query strings (`/admin/queues?token=…`): Probot's HTTP logger writes the URL
 * into the message and `req.url`, where path redaction cannot reach a part of a string.
 */
const URL_SECRET = /([?&](?:token|access_token|api_key|apikey|password|secret)=)[^&#\s"\\]+/gi;

export function scrubUrlSecrets(line: string): string {
  return line.includes("=") ? line.replace(URL_SECRET, "$1[REDACTED]") : line;
}

export async function createLogger(config: AppConfig["log"], destination?: NodeJS.WritableStream): Promise<Logger> {
  const options = {
    level: config.level,
    name: "skywork",
    redact: { paths: REDACTED_PATHS, censor: "[REDACTED]" },
    hooks: { streamWrite: scrubUrlSecrets },
  };
  if (config.format === "json") return pino(options, destination ?? pino.destination(1));
  const transform = await getTransformStream({ logFormat: "pretty" });
  transform.pipe((destination ?? pino.destination(1)) as NodeJS.WritableStream);
  return pino(options, transform);
}
