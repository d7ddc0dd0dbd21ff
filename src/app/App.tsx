// The workbench layout: the model and the strategy on the left (tactics, schedule), the graph
// in the centre above the results, the inspector, the mesh editor and the device mesh on the right.
import { useEffect, useState } from 'react';
import { GraphView } from './graph/GraphView.tsx';
import { Inspector } from './inspector/Inspector.tsx';
import { MeshView } from './mesh/MeshView.tsx';
import { AutoPanel } from './panels/AutoPanel.tsx';
import { AxisPrompt } from './panels/AxisPrompt.tsx';
import { Help } from './panels/Help.tsx';
import { Messages } from './panels/Messages.tsx';
import { MeshPanel } from './panels/MeshPanel.tsx';
import { ModelPanel } from './panels/ModelPanel.tsx';
import { ScheduleEditor } from './panels/ScheduleEditor.tsx';
import { TacticPalette } from './panels/TacticPalette.tsx';
import { Toolbar } from './panels/Toolbar.tsx';
import { Results } from './results/Results.tsx';
import { installShortcuts } from './state/shortcuts.ts';

export function App() {
  const [help, setHelp] = useState(false);
  useEffect(
    () =>
      installShortcuts(
        () => setHelp((h) => !h),
        () => setHelp(false),
      ),
    [],
  );
  return (
    <div className="workbench" data-testid="workbench">
      <Toolbar onHelp={() => setHelp(true)} />
      <Messages />
      <aside className="left">
        <ModelPanel />
        <TacticPalette />
        <AutoPanel />
        <ScheduleEditor />
      </aside>
      <main className="centre">
        <div className="graph-pane">
          <GraphView />
        </div>
        <Results />
      </main>
      <aside className="right">
        <Inspector />
        <MeshPanel />
        <MeshView />
      </aside>
      <AxisPrompt />
      {help && <Help onClose={() => setHelp(false)} />}
    </div>
  );
}
