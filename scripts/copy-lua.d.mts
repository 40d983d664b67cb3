/** Copies src/queue/lua to dist/queue/lua (part of the build). */
export function copyLua(): void;
