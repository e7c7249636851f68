import Foundation
import Proxy

/// A provider `setup` offers: where it answers, which variable usually holds its key, and the
/// models known to work with Claude Code (offered first).
struct SetupProvider: Sendable {
    let name: String
    let title: String
    let baseURL: String
    /// nil: no key needed (Ollama).
    let keyVariable: String?
    let knownGood: [String]
    /// Requests a minute its free tier allows, written into the config.
    let requestsPerMinute: Int?

    /// NVIDIA NIM first.
    static let all: [SetupProvider] = [
        SetupProvider(
            name: "nvidia",
            title: "NVIDIA NIM (free key at build.nvidia.com)",
            baseURL: "https://integrate.api.nvidia.com/v1",
            keyVariable: "NVIDIA_API_KEY",
            knownGood: [
                "z-ai/glm4.7", "minimaxai/minimax-m2.1", "moonshotai/kimi-k2-instruct-0905",
                "qwen/qwen3-coder-480b-a35b-instruct", "deepseek-ai/deepseek-v3.1-terminus", "openai/gpt-oss-120b",
            ],
            requestsPerMinute: 40
        ),
        SetupProvider(
            name: "deepseek",
            title: "DeepSeek",
            baseURL: "https://api.deepseek.com/v1",
            keyVariable: "DEEPSEEK_API_KEY",
            knownGood: ["deepseek-chat", "deepseek-reasoner"],
            requestsPerMinute: nil
        ),
        SetupProvider(
            name: "openrouter",
            title: "OpenRouter",
            baseURL: "https://openrouter.ai/api/v1",
            keyVariable: "OPENROUTER_API_KEY",
            knownGood: ["z-ai/glm-4.6", "moonshotai/kimi-k2", "qwen/qwen3-coder", "deepseek/deepseek-chat-v3.1"],
            requestsPerMinute: nil
        ),
        SetupProvider(
            name: "ollama",
            title: "Ollama (local, no key)",
            baseURL: "http://localhost:11434/v1",
            keyVariable: nil,
            knownGood: ["qwen3-coder", "gpt-oss:20b", "qwen3"],
            requestsPerMinute: nil
        ),
        SetupProvider(
            name: "gemini",
            title: "Google Gemini",
            baseURL: "https://generativelanguage.googleapis.com/v1beta/openai",
            keyVariable: "GEMINI_API_KEY",
            knownGood: ["gemini-2.5-pro", "gemini-2.5-flash"],
            requestsPerMinute: nil
        ),
        SetupProvider(
            name: "groq",
            title: "Groq",
            baseURL: "https://api.groq.com/openai/v1",
            keyVariable: "GROQ_API_KEY",
            knownGood: ["moonshotai/kimi-k2-instruct-0905", "openai/gpt-oss-120b"],
            requestsPerMinute: nil
        ),
        SetupProvider(
            name: "moonshot",
            title: "Moonshot (Kimi)",
            baseURL: "https://api.moonshot.ai/v1",
            keyVariable: "MOONSHOT_API_KEY",
            knownGood: ["kimi-k2-0905-preview", "kimi-k2-thinking"],
            requestsPerMinute: nil
        ),
        SetupProvider(
            name: "zhipu",
            title: "Z.ai (GLM)",
            baseURL: "https://api.z.ai/api/paas/v4",
            keyVariable: "ZAI_API_KEY",
            knownGood: ["glm-4.6", "glm-4.5-air"],
            requestsPerMinute: nil
        ),
        SetupProvider(
            name: "minimax",
            title: "MiniMax",
            baseURL: "https://api.minimax.io/v1",
            keyVariable: "MINIMAX_API_KEY",
            knownGood: ["MiniMax-M2"],
            requestsPerMinute: nil
        ),
    ]

    static func named(_ name: String) -> SetupProvider? {
        all.first { $0.name == name.lowercased() }
    }

    /// Words in the ids of models that are not chat models (NIM's catalogue has hundreds).
    static let notChat = [
        "embed", "rerank", "retriever", "guard", "safety", "reward", "parse", "clip", "whisper", "tts", "asr",
        "vision", "vila", "neva", "kosmos", "fuyu", "paligemma", "deplot", "ocr", "detector", "segment", "diffusion",
        "flux", "sdxl", "cosmos", "riva", "bge", "e5-", "nv-embed", "arctic-embed", "moderation", "audio",
        "image", "topic-control", "content-safety", "pii", "translate", "calibration",
    ]

    /// The chat models of a `GET /models` answer, known-good ones first (in their order), then the rest sorted.
    func chatModels(fromCatalogue json: JSONValue) -> [String] {
        let ids = (json["data"]?.arrayValue ?? json["models"]?.arrayValue ?? []).compactMap {
            $0["id"]?.stringValue ?? $0["name"]?.stringValue
        }
        let chat = Set(ids.filter { id in !Self.notChat.contains { id.lowercased().contains($0) } })
        let good = knownGood.filter { chat.contains($0) }
        return good + chat.subtracting(good).sorted()
    }

    /// The chat endpoint for a base URL (`…/v1` → `…/v1/chat/completions`).
    static func chatEndpoint(_ base: String) -> String {
        var trimmed = base
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return trimmed.hasSuffix("/chat/completions") ? trimmed : trimmed + "/chat/completions"
    }

    /// The catalogue URL for a base URL.
    static func modelsEndpoint(_ base: String) -> String {
        var trimmed = base
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        if trimmed.hasSuffix("/chat/completions") { trimmed.removeLast("/chat/completions".count) }
        return trimmed + "/models"
    }
}

/// Routes proposed from report-card grades.
struct RouteProposal: Equatable {
    var routes: [(kind: RouteKind, model: ModelRef, why: String)]

    static func == (lhs: RouteProposal, rhs: RouteProposal) -> Bool {
        lhs.routes.map { "\($0.kind)=\($0.model)" } == rhs.routes.map { "\($0.kind)=\($0.model)" }
    }

    /// default: the best tool user; background: the fastest usable one; think: a model whose
    /// reasoning arrives as thinking; longContext: the longest known window.
    init(entries: [ReportCard.Entry], window: (ModelRef) -> Int?) {
        routes = []
        guard !entries.isEmpty else { return }
        let usable = entries.filter(\.usable)
        let pool = usable.isEmpty ? entries : usable
        func toolScore(_ entry: ReportCard.Entry) -> Int {
            entry.toolCall.score * 100 + entry.toolResult.score * 10 + entry.parallelTools.score * 3 + entry.text.score
        }
        func speed(_ entry: ReportCard.Entry) -> Double {
            // Tokens a second, less a second's worth for every second before the first token.
            (entry.tokensPerSecond ?? 0) - Double(entry.ttftMilliseconds ?? 10_000) / 100
        }
        // Stable choices: ties go to the model listed first.
        func best(_ candidates: [ReportCard.Entry], by key: (ReportCard.Entry) -> Double) -> ReportCard.Entry {
            var winner = candidates[0]
            for entry in candidates.dropFirst() where key(entry) > key(winner) { winner = entry }
            return winner
        }
        let main = best(pool) { Double(toolScore($0)) * 1000 + speed($0) / 1000 }
        routes.append((.default, main.model, "the best tool user"))
        let fast = best(pool, by: speed)
        routes.append((.background, fast.model, "the fastest to answer"))
        let thinkers = pool.filter { $0.thinking == .pass }
        if !thinkers.isEmpty {
            let thinker = best(thinkers) { Double(toolScore($0)) }
            routes.append((.think, thinker.model, "reasoning arrives as thinking"))
        } else {
            routes.append((.think, main.model, "no model showed its reasoning; the default's model"))
        }
        let long = best(pool) { Double(window($0.model) ?? 0) }
        if let tokens = window(long.model) {
            routes.append((.longContext, long.model, "longest window (\(tokens) tokens)"))
        } else {
            routes.append((.longContext, main.model, "no window known; the default's model"))
        }
    }
}
