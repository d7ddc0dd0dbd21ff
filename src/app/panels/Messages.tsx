// Messages for the user: a bad link or stored state, an import error, a worker crash. They stay
// until dismissed, so a test (or a user coming back) can read them.
import { useWorkbench } from '../state/store.ts';

export function Messages() {
  const messages = useWorkbench((s) => s.messages);
  const notice = useWorkbench((s) => s.result.notice);
  const { dismiss, setNotice } = useWorkbench.getState();
  if (!messages.length && !notice) return null;
  return (
    <div className="messages" role="status">
      {notice && (
        <p className="message notice" data-testid="notice">
          {notice}
          <button className="icon" aria-label="Dismiss" onClick={() => setNotice(null)}>
            ×
          </button>
        </p>
      )}
      {messages.map((m) => (
        <p key={m.id} className="message" data-testid="message">
          {m.text}
          <button className="icon" aria-label="Dismiss" onClick={() => dismiss(m.id)}>
            ×
          </button>
        </p>
      ))}
    </div>
  );
}
