import { mount } from "svelte";
import "./app.css";
import App from "./App.svelte";
import NoCore from "./lib/features/shell/NoCore.svelte";
import { connect } from "./lib/ipc";

// The page talks to the real core only: inside the app through Tauri's
// IPC, in a browser through the development server (`npm run dev:core`).
const target = document.getElementById("app")!;
const client = await connect();
const app = client ? mount(App, { target, props: { client } }) : mount(NoCore, { target });

export default app;
