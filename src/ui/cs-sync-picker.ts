import { LitElement, css, html, nothing } from 'lit'
import type { FileView } from '../platform/browser/engine-host'
import { emit } from './events'
import { buildTree, excludedPaths, filesUnder, isWithin, type TreeNode } from './file-tree-model'
import { formatBytes } from './format'
import { shared } from './styles'

/**
 * Selective sync (directory.md, "Partial Copy"): the share's tree with a checkbox on every folder
 * and file; what is unticked is not kept on this device. A folder's box is ticked when all its
 * files are, mixed when some are.
 *
 * @fires cs-set-excluded - the paths to leave out, once the person saves
 */
export class CsSyncPicker extends LitElement {
  static override properties = {
    files: { attribute: false },
    excluded: { attribute: false },
    busy: { type: Boolean },
    skipped: { state: true },
  }

  files: readonly FileView[] = []
  excluded: readonly string[] = []
  busy = false
  /** Files unticked so far (starts from the stored exclusions). */
  skipped = new Set<string>()

  static override styles = [
    shared,
    css`
      ul ul {
        padding-left: 1.6rem;
      }
      label {
        display: flex;
        align-items: center;
        gap: 0.6rem;
        min-height: 2.5rem;
        font-weight: 500;
        overflow-wrap: anywhere;
      }
      input[type='checkbox'] {
        width: 1.15rem;
        height: 1.15rem;
        flex: none;
        accent-color: var(--cs-accent);
      }
      .size {
        color: var(--cs-muted);
        font-size: 0.85rem;
        margin-left: auto;
        white-space: nowrap;
      }
      .summary {
        margin-top: 0.75rem;
      }
    `,
  ]

  /** The stored choice the ticks started from, and the files already given their first tick. */
  private startedFrom = ''
  private seen = new Set<string>()

  /**
   * The list reloads while the engine works: the person's unsaved ticks stay, files new to the list
   * start ticked unless the stored choice leaves them out, and a new stored choice starts over.
   */
  override willUpdate(): void {
    const from = JSON.stringify(this.excluded)
    if (from !== this.startedFrom) {
      this.startedFrom = from
      this.seen = new Set()
      this.skipped = new Set()
    }
    for (const f of this.files) {
      if (f.kind !== 'file' || this.seen.has(f.path)) continue
      this.seen.add(f.path)
      if (this.excluded.some((e) => isWithin(f.path, e))) this.skipped.add(f.path)
    }
  }

  private toggle(node: TreeNode, keep: boolean): void {
    const next = new Set(this.skipped)
    for (const path of filesUnder(node)) {
      if (keep) next.delete(path)
      else next.add(path)
    }
    this.skipped = next
  }

  private renderNode(node: TreeNode): unknown {
    const files = filesUnder(node)
    const skippedHere = files.filter((f) => this.skipped.has(f)).length
    const checked = files.length > 0 && skippedHere === 0
    const mixed = skippedHere > 0 && skippedHere < files.length
    return html`<li>
      <label
        ><input
          type="checkbox"
          .checked=${checked}
          .indeterminate=${mixed}
          @change=${(e: Event) => this.toggle(node, (e.target as HTMLInputElement).checked)}
        />${node.kind === 'directory' ? `${node.name}/` : node.name}<span class="size"
          >${formatBytes(node.size)}</span
        ></label
      >
      ${
        node.kind === 'directory'
          ? html`<ul>
              ${node.children.map((c) => this.renderNode(c))}
            </ul>`
          : nothing
      }
    </li>`
  }

  override render() {
    const tree = buildTree(this.files, false)
    const kept = this.files.filter((f) => f.kind === 'file' && !this.skipped.has(f.path))
    const keptBytes = kept.reduce((sum, f) => sum + f.size, 0)
    return html`
      <p>
        Untick what this device should not keep. Files left out stay on the other devices, and you can tick
        them again later.
      </p>
      <ul aria-label="Files and folders this device keeps">
        ${tree.map((n) => this.renderNode(n))}
      </ul>
      <div class="row summary">
        <button
          class="primary"
          ?disabled=${this.busy}
          @click=${() => emit(this, 'cs-set-excluded', { excluded: excludedPaths(tree, this.skipped) })}
        >
          Save choices
        </button>
        <span class="hint">${kept.length} files (${formatBytes(keptBytes)}) kept on this device</span>
      </div>
    `
  }
}

customElements.define('cs-sync-picker', CsSyncPicker)

declare global {
  interface HTMLElementTagNameMap {
    'cs-sync-picker': CsSyncPicker
  }
}
