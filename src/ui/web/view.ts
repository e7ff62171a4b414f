/** A view: its element, its title, and what to stop when the page leaves it (timers, log streams). */
export interface View {
  title: string;
  el: HTMLElement;
  dispose?: () => void;
}
