import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { shardOfGuild } from './snowflake';
import type { DiscordState } from './state';

const HEARTBEAT_INTERVAL = 41250;
/** Dispatches kept per session for RESUME replays. */
const REPLAY_BUFFER = 2000;

const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  Resume: 6,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

interface Session {
  id: string;
  shardId: number;
  shardCount: number;
  seq: number;
  buffer: Buffered[];
  conn: Conn | null;
  identifiedAt: number;
}

interface Buffered {
  payload: { op: 0; t: string; s: number; d: unknown };
  /** Written to a socket at least once (or handed over to another session). */
  delivered: boolean;
  onSent?: () => void;
}

interface Conn {
  ws: WebSocket;
  session: Session | null;
}

interface Pending {
  guildId: string | null;
  t: string;
  d: unknown;
  onSent?: () => void;
}

/**
 * Discord's gateway as @discordjs/ws speaks it: HELLO, IDENTIFY -> READY (+ GUILD_CREATE per guild of the
 * shard), heartbeats, RESUME with replay, and dispatches routed to the session whose shard owns the guild.
 * Plain JSON text frames: discord.js asks for zlib-stream only when zlib-sync is installed, and reads text
 * frames either way.
 */
export class Gateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly conns = new Set<Conn>();
  private readonly sessions = new Map<string, Session>();
  /** Events for shards no session serves yet; delivered once one identifies. */
  private readonly pending: Pending[] = [];
  readonly received: { shard: number; op: number; d: any; at: number }[] = [];
  private readonly events = new EventEmitter();
  /** When each shard last identified or resumed. */
  private readonly lastConnectAt = new Map<number, number>();

  constructor(
    private readonly state: DiscordState,
    readonly url: string,
  ) {
    this.events.setMaxListeners(0);
    state.onGuildAdded = (guildId) => this.announce(guildId, 'GUILD_CREATE', () => state.apiGuild(guildId, true));
    state.onChannelAdded = (channelId) => {
      const ch = state.channels.get(channelId);
      if (ch?.guildId) this.announce(ch.guildId, 'CHANNEL_CREATE', () => state.apiChannel(ch));
    };
    state.onRoleAdded = (guildId, roleId) =>
      this.announce(guildId, 'GUILD_ROLE_CREATE', () => ({ guild_id: guildId, role: state.apiRole(guildId, roleId) }));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  private onConnection(ws: WebSocket): void {
    const conn: Conn = { ws, session: null };
    this.conns.add(conn);
    ws.on('message', (data, isBinary) => this.onMessage(conn, data as Buffer, isBinary));
    ws.on('close', (code) => {
      this.conns.delete(conn);
      const session = conn.session;
      if (session?.conn !== conn) return;
      session.conn = null;
      // A client closing with 1000/1001 ends its session, as on Discord: nothing will be replayed to it.
      if (code === 1000 || code === 1001) this.sessions.delete(session.id);
    });
    ws.on('error', () => {});
    this.send(conn, { op: Op.Hello, d: { heartbeat_interval: HEARTBEAT_INTERVAL, _trace: ['fake-gateway'] }, s: null, t: null });
  }

  private send(conn: Conn, payload: unknown): void {
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(JSON.stringify(payload));
  }

  private onMessage(conn: Conn, data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      conn.ws.close(4002, 'Error while decoding payload.');
      return;
    }
    let payload: any;
    try {
      payload = JSON.parse(data.toString('utf8'));
    } catch {
      conn.ws.close(4002, 'Error while decoding payload.');
      return;
    }
    this.received.push({ shard: conn.session?.shardId ?? -1, op: payload?.op, d: payload?.d, at: Date.now() });
    switch (payload?.op) {
      case Op.Heartbeat:
        this.send(conn, { op: Op.HeartbeatAck, d: null, s: null, t: null });
        return;
      case Op.Identify:
        this.identify(conn, payload.d ?? {});
        return;
      case Op.Resume:
        this.resume(conn, payload.d ?? {});
        return;
      case 3: // presence update
      case 4: // voice state update
      case 8: // request guild members
        if (!conn.session) conn.ws.close(4003, 'Not authenticated.');
        return;
      default:
        conn.ws.close(4001, 'Unknown opcode.');
    }
  }

  private identify(conn: Conn, d: any): void {
    if (conn.session) {
      conn.ws.close(4005, 'Already authenticated.');
      return;
    }
    if (d.token !== this.state.botToken) {
      conn.ws.close(4004, 'Authentication failed.');
      return;
    }
    const [shardId, shardCount] = Array.isArray(d.shard) ? (d.shard as number[]) : [0, 1];
    if (
      !Number.isInteger(shardId) ||
      !Number.isInteger(shardCount) ||
      shardCount! < 1 ||
      shardId! < 0 ||
      shardId! >= shardCount!
    ) {
      conn.ws.close(4010, 'Invalid shard.');
      return;
    }
    const session: Session = {
      id: randomBytes(16).toString('hex'),
      shardId: shardId!,
      shardCount: shardCount!,
      seq: 0,
      buffer: [],
      conn,
      identifiedAt: Date.now(),
    };
    this.sessions.set(session.id, session);
    conn.session = session;

    const guildIds = this.guildsOf(session);
    this.dispatch(session, 'READY', {
      v: 10,
      user: { ...this.state.apiUser(this.state.botUser.id), verified: true, mfa_enabled: false },
      guilds: guildIds.map((id) => ({ id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.url,
      shard: [session.shardId, session.shardCount],
      application: { id: this.state.applicationId, flags: 0 },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      _trace: ['fake-gateway'],
    });
    for (const id of guildIds) this.dispatch(session, 'GUILD_CREATE', this.state.apiGuild(id, true));

    for (let k = 0; k < this.pending.length; ) {
      const p = this.pending[k]!;
      if (this.owns(session, p.guildId)) {
        this.pending.splice(k, 1);
        this.dispatch(session, p.t, p.d, p.onSent);
      } else k++;
    }
    // Interactions sent while the previous connection of this shard was down (a bot process killed and
    // restarted) go to the new session instead of dying in a session nobody will resume.
    for (const old of this.sessions.values()) {
      if (old === session || old.conn || old.shardId !== session.shardId || old.shardCount !== session.shardCount) continue;
      for (const b of old.buffer) {
        if (b.delivered || b.payload.t !== 'INTERACTION_CREATE') continue;
        b.delivered = true;
        this.dispatch(session, b.payload.t, b.payload.d, b.onSent);
      }
    }
    this.connected(session.shardId);
  }

  private connected(shard: number): void {
    this.lastConnectAt.set(shard, Date.now());
    this.events.emit('shard', shard);
  }

  private resume(conn: Conn, d: any): void {
    const session = this.sessions.get(d.session_id);
    if (!session || d.token !== this.state.botToken || conn.session) {
      // d:false tells @discordjs/ws to drop the session and identify anew.
      this.send(conn, { op: Op.InvalidSession, d: false, s: null, t: null });
      return;
    }
    const previous = session.conn;
    if (previous && previous !== conn) {
      previous.session = null;
      previous.ws.close(4000, 'Session resumed elsewhere.');
    }
    session.conn = conn;
    conn.session = session;
    const since = typeof d.seq === 'number' ? d.seq : 0;
    for (const b of session.buffer) {
      if (b.payload.s <= since) continue;
      this.send(conn, b.payload);
      if (!b.delivered) {
        b.delivered = true;
        b.onSent?.();
      }
    }
    this.dispatch(session, 'RESUMED', { _trace: ['fake-gateway'] });
    this.connected(session.shardId);
  }

  private dispatch(session: Session, t: string, d: unknown, onSent?: () => void): void {
    const b: Buffered = { payload: { op: 0, t, s: ++session.seq, d }, delivered: false };
    if (onSent) b.onSent = onSent;
    session.buffer.push(b);
    if (session.buffer.length > REPLAY_BUFFER) session.buffer.shift();
    if (session.conn && session.conn.ws.readyState === WebSocket.OPEN) {
      this.send(session.conn, b.payload);
      b.delivered = true;
      b.onSent?.();
    }
  }

  private owns(session: Session, guildId: string | null): boolean {
    return guildId === null ? session.shardId === 0 : shardOfGuild(guildId, session.shardCount) === session.shardId;
  }

  private guildsOf(session: Session): string[] {
    return [...this.state.guilds.keys()].filter((id) => this.owns(session, id));
  }

  /**
   * The session that should receive a guild's (or, for null, a DM's) events: the newest connected one owning
   * it, else the newest one that may still resume (it gets the event on replay).
   */
  private target(guildId: string | null): Session | undefined {
    const owning = [...this.sessions.values()].filter((s) => this.owns(s, guildId));
    owning.sort((a, b) => b.identifiedAt - a.identifiedAt);
    return owning.find((s) => s.conn !== null) ?? owning[0];
  }

  /**
   * An event (e.g. INTERACTION_CREATE): queued until a session serves that shard. `onSent` runs when it
   * actually goes out, which is when an interaction's 3 s acknowledgement window starts.
   */
  dispatchEvent(guildId: string | null, t: string, d: unknown, onSent?: () => void): void {
    const session = this.target(guildId);
    if (session) {
      this.dispatch(session, t, d, onSent);
    } else {
      this.pending.push(onSent ? { guildId, t, d, onSent } : { guildId, t, d });
    }
  }

  /** A state change: sessions that identify later get it inside READY/GUILD_CREATE, so nothing is queued. */
  private announce(guildId: string, t: string, build: () => unknown): void {
    const session = this.target(guildId);
    if (session) this.dispatch(session, t, build());
  }

  connections(): { shard: number; identified: boolean }[] {
    return [...this.conns]
      .filter((c) => c.ws.readyState === WebSocket.OPEN)
      .map((c) => ({ shard: c.session?.shardId ?? -1, identified: c.session !== null }));
  }

  disconnectShard(shard: number, code = 4000): void {
    for (const c of this.conns) {
      if (c.session?.shardId !== shard) continue;
      // The session survives a drop so the client can RESUME; a normal close means it must identify again.
      if (code === 1000) this.sessions.delete(c.session.id);
      c.ws.close(code, 'Disconnected by the fake for a test.');
    }
  }

  waitForShard(shard: number, opts: { timeoutMs?: number; since?: number } = {}): Promise<void> {
    const since = opts.since;
    const live = [...this.conns].some((c) => c.session?.shardId === shard && c.ws.readyState === WebSocket.OPEN);
    if (since === undefined ? live : (this.lastConnectAt.get(shard) ?? -1) >= since) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off('shard', onShard);
        reject(new Error(`shard ${shard} did not connect within ${opts.timeoutMs ?? 10_000} ms`));
      }, opts.timeoutMs ?? 10_000);
      const onShard = (id: number): void => {
        if (id !== shard) return;
        clearTimeout(timer);
        this.events.off('shard', onShard);
        resolve();
      };
      this.events.on('shard', onShard);
    });
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
