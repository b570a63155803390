/** A chat message as an `openai` target sends it: what templates render and conversations splice. */
export type ChatRole = 'system' | 'developer' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
  name?: string;
}
