/** The web app's entry: mounts the app. Styles come in as a file (the page's CSP allows no inline style). */
import { render } from 'preact';
import { App } from './ui/App.js';
import './styles.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
