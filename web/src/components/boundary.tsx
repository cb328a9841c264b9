import { Component, type ReactNode } from "react";
import { PageTitle } from "./bits";

/**
 * A page that throws while rendering (an answer in a shape it did not expect) shows what went wrong
 * instead of leaving a blank window; the navigation around it keeps working.
 */
export class PageBoundary extends Component<{ children: ReactNode }, { error: Error | undefined }> {
  override state: { error: Error | undefined } = { error: undefined };

  static getDerivedStateFromError(error: Error): { error: Error } {
    return { error };
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <>
        <PageTitle>This page failed</PageTitle>
        <p className="failure" role="alert">
          {this.state.error.message}
        </p>
      </>
    );
  }
}
