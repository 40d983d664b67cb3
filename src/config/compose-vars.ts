// Variables read by Docker Compose (docker-compose.yml), not by the app: they pick the images and
// size the model servers. Declared here, once, so `.env.example` lists them with their defaults
// (`npm run docs`) and test/deploy/compose.test.ts checks that the compose file uses exactly these,
// with exactly these defaults. The app's own variables live in env.ts.

export interface ComposeVarSpec {
  name: string;
  description: string;
  /** The `${NAME:-default}` fallback written in docker-compose.yml. */
  default: string;
  secret?: boolean;
}

export const COMPOSE_VARS: readonly ComposeVarSpec[] = [
  {
    name: "SKYWORK_IMAGE",
    description: "Image of the web and worker containers; `docker compose build` builds it from the Dockerfile, or point it at your registry.",
    default: "skywork-bot:local",
  },
  { name: "WEB_PORT", description: "Host port that publishes the web role (webhooks, /healthz, /metrics).", default: "3000" },
  {
    name: "VLLM_IMAGE_TAG",
    description: "Tag of vllm/vllm-openai (profile vllm). Pinned so an upgrade is a decision: https://hub.docker.com/r/vllm/vllm-openai/tags",
    default: "v0.30.0",
  },
  { name: "VLLM_GPU_COUNT", description: "GPUs reserved for vLLM (needs the NVIDIA Container Toolkit on the host).", default: "1" },
  {
    name: "VLLM_TENSOR_PARALLEL_SIZE",
    description:
      "GPUs vLLM splits the model across; keep it equal to VLLM_GPU_COUNT. 1 fits bf16 on one 80 GB GPU; more GPUs leave more room for the KV cache.",
    default: "1",
  },
  {
    name: "VLLM_GPU_MEMORY_UTILIZATION",
    description: "Share of each GPU's memory vLLM may use; 32B in bf16 needs ~61 GiB of weights, and the rest holds the KV cache of the 32k window.",
    default: "0.95",
  },
  {
    name: "VLLM_HF_CACHE",
    description: "Hugging Face cache of the vLLM container: a named volume, or a host path such as ~/.cache/huggingface to reuse downloaded weights (~65 GB).",
    default: "hf-cache",
  },
  { name: "HF_TOKEN", description: "Hugging Face token, passed to vLLM and llama.cpp for gated or rate-limited downloads.", default: "", secret: true },
  {
    name: "LLAMACPP_IMAGE_TAG",
    description: "Tag of ghcr.io/ggml-org/llama.cpp (profile llamacpp): server for CPU, server-cuda for an NVIDIA GPU.",
    default: "server",
  },
  {
    name: "LLAMACPP_HF_REPO",
    description: "Hugging Face repository of the GGUF that llama.cpp downloads on first start.",
    default: "bartowski/Skywork_Skywork-SWE-32B-GGUF",
  },
  {
    name: "LLAMACPP_HF_FILE",
    description: "GGUF file in LLAMACPP_HF_REPO; Q4_K_M (~20 GB) is the usual quality/size balance.",
    default: "Skywork_Skywork-SWE-32B-Q4_K_M.gguf",
  },
  {
    name: "LLAMACPP_GPU_LAYERS",
    description: "Layers llama.cpp offloads to the GPU: 0 on a CPU-only host, 999 for all (with LLAMACPP_IMAGE_TAG=server-cuda and a GPU reservation).",
    default: "0",
  },
];
