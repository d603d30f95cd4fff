/** Small pieces every page uses: in-app links, the page heading that takes focus, notices. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { followLink, navigated } from './router.js';

export function Link(props: { href: string; children: ComponentChildren; class?: string; current?: boolean }) {
  return (
    <a
      href={props.href}
      class={props.class}
      aria-current={props.current ? 'page' : undefined}
      onClick={(event) => followLink(event, props.href)}
    >
      {props.children}
    </a>
  );
}

/** The page's h1; after an in-app navigation it takes focus, so a screen reader announces the new page. */
export function PageHeading(props: { children: ComponentChildren; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · Conveyor`;
    if (navigated) ref.current?.focus();
  }, [props.title]);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {props.children}
    </h1>
  );
}

export function Notice(props: { tone: 'error' | 'info'; children: ComponentChildren; id?: string }) {
  return (
    <p id={props.id} class={`notice notice-${props.tone}`} role={props.tone === 'error' ? 'alert' : 'status'}>
      {props.children}
    </p>
  );
}

export function FieldError(props: { id: string; message: string | undefined }) {
  return props.message ? (
    <p id={props.id} class="field-error">
      {props.message}
    </p>
  ) : null;
}
