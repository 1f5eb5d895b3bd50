import { LitElement, css, html, nothing, svg } from 'lit'
import type { FileView } from '../platform/browser/engine-host'
import { emit } from './events'
import { buildTree, type FileState, type TreeNode } from './file-tree-model'
import { formatBytes } from './format'
import { previewKindOf } from './file-kinds'
import { shared } from './styles'

const STATE_LABELS: Record<FileState, string> = {
  synced: 'On this device',
  downloading: 'Downloading',
  waiting: 'Queued',
  paused: 'Paused',
  conflict: 'Conflict copy',
  skipped: 'Not kept here',
}

const folderIcon = svg`<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M3 6.5A1.5 1.5 0 0 1 4.5 5h5l2 2h8A1.5 1.5 0 0 1 21 8.5v9a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5z"/></svg>`
const fileIcon = svg`<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M6 3h8l5 5v12a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1zm7 1.5V9h4.5z"/></svg>`

/**
 * A share's files as a tree: each file with its size and state (on this device, queued, paused,
 * conflict copy), a preview for what the browser can show, and saving a file or a folder.
 *
 * @fires cs-preview - open a file's preview
 * @fires cs-save-file - save one file
 * @fires cs-save-zip - save a folder as a zip (its path)
 */
export class CsFileTree extends LitElement {
  static override properties = {
    files: { attribute: false },
    excluded: { attribute: false },
    paused: { type: Boolean },
    collapsed: { state: true },
  }

  files: readonly FileView[] = []
  /** Paths selective sync leaves out of this device. */
  excluded: readonly string[] = []
  paused = false
  collapsed = new Set<string>()

  static override styles = [
    shared,
    css`
      ul ul {
        padding-left: 1.1rem;
        border-left: 1px solid var(--cs-border);
        margin-left: 0.9rem;
      }
      .row {
        display: grid;
        grid-template-columns: minmax(0, 1fr) auto auto;
        gap: 0.5rem;
        align-items: center;
        flex-wrap: nowrap;
        padding: 0.15rem 0;
        border-bottom: 1px solid var(--cs-border);
      }
      .name {
        display: flex;
        align-items: center;
        gap: 0.45rem;
        min-width: 0;
        min-height: 2.5rem;
        border: none;
        background: none;
        padding: 0.25rem 0.35rem;
        font-weight: 500;
        text-align: left;
        justify-content: flex-start;
      }
      .name span {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .name:disabled {
        opacity: 1;
        cursor: default;
      }
      svg {
        width: 1.25rem;
        height: 1.25rem;
        flex: none;
        color: var(--cs-accent);
      }
      .meta {
        color: var(--cs-muted);
        font-size: 0.85rem;
        text-align: right;
        white-space: nowrap;
      }
      .state-downloading {
        color: var(--cs-accent-strong);
        font-weight: 600;
      }
      .state-waiting,
      .state-paused {
        color: var(--cs-warn);
      }
      .state-skipped {
        color: var(--cs-muted);
        font-style: italic;
      }
      .state-conflict {
        color: var(--cs-danger);
      }
      .save {
        min-height: 2.25rem;
        padding: 0.25rem 0.65rem;
        font-size: 0.9rem;
      }
      .empty {
        color: var(--cs-muted);
        padding: 1rem 0;
      }
      @media (max-width: 30rem) {
        .size {
          display: none;
        }
      }
    `,
  ]

  private toggle(path: string): void {
    const next = new Set(this.collapsed)
    if (next.has(path)) next.delete(path)
    else next.add(path)
    this.collapsed = next
  }

  private renderNode(node: TreeNode): unknown {
    if (node.kind === 'directory') {
      const open = !this.collapsed.has(node.path)
      return html`<li>
        <div class="row">
          <button class="name" aria-expanded=${open} @click=${() => this.toggle(node.path)}>
            ${folderIcon}<span>${node.name}</span>
          </button>
          <span class="meta"
            ><span class="size">${formatBytes(node.size)}</span
            >${node.waiting > 0 ? html` · <span class="state-waiting">${node.waiting} queued</span>` : nothing}</span
          >
          <button
            class="save"
            aria-label=${`Save folder ${node.name} as a zip`}
            @click=${() => emit(this, 'cs-save-zip', { path: node.path })}
          >
            Zip
          </button>
        </div>
        ${
          open
            ? html`<ul>
                ${node.children.map((c) => this.renderNode(c))}
              </ul>`
            : nothing
        }
      </li>`
    }
    const here = node.state === 'synced' || node.state === 'conflict'
    const previewable = here && previewKindOf(node.name) !== undefined
    return html`<li>
      <div class="row">
        <button
          class="name"
          ?disabled=${!previewable}
          aria-label=${previewable ? `Preview ${node.name}` : node.name}
          @click=${() => emit(this, 'cs-preview', { path: node.path })}
        >
          ${fileIcon}<span>${node.name}</span>
        </button>
        <span class="meta"
          ><span class="size">${formatBytes(node.size)} · </span
          ><span class=${`state-${node.state}`}
            >${STATE_LABELS[node.state]}${node.received ? ` ${Math.floor((node.received / Math.max(1, node.size)) * 100)} %` : ''}</span
          ></span
        >
        <button
          class="save"
          ?disabled=${!here}
          aria-label=${`Save ${node.name}`}
          @click=${() => emit(this, 'cs-save-file', { path: node.path })}
        >
          Save
        </button>
      </div>
    </li>`
  }

  override render() {
    const tree = buildTree(this.files, this.paused, this.excluded)
    if (tree.length === 0) return html`<p class="empty">No files yet.</p>`
    return html`<ul aria-label="Files">
      ${tree.map((n) => this.renderNode(n))}
    </ul>`
  }
}

customElements.define('cs-file-tree', CsFileTree)

declare global {
  interface HTMLElementTagNameMap {
    'cs-file-tree': CsFileTree
  }
}
