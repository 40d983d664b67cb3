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
];

export async function createLogger(config: AppConfig["log"], destination?: NodeJS.WritableStream): Promise<Logger> {
  const options = {
    level: config.level,
    name: "skywork",
    redact: { paths: REDACTED_PATHS, censor: "[REDACTED]" },
  };
  if (config.format === "json") return pino(options, destination ?? pino.destination(1));
  const transform = await getTransformStream({ logFormat: "pretty" });
  transform.pipe((destination ?? pino.destination(1)) as NodeJS.WritableStream);
  return pino(options, transform);
}
