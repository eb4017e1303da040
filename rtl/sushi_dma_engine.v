// SPDX-License-Identifier: Apache-2.0
//
// sushi_dma_engine: executes LOAD_ACT, STORE_ACT, LOAD_W, LOAD_PB, LOAD_W_PB, LOAD_EPI and COPY_PB
// commands.
//
// Contract:
// - cmd_valid_i/cmd_ready_o: a command (32 bytes, sushi_cmds.vh DMA, DEPOSIT or COPY format) is
//   accepted when
//   both are high; cmd_ready_o is high exactly while the engine is idle. done_o pulses once
//   in the last cycle of each command completed without error.
// - Loads read ceil(COUNT*unit/DataBytes) full beats from DRAM_ADDR (a multiple of
//   DataBytes) in INCR bursts (sushi_axi_burst_gen: at most MaxBurstBeats, no 4 KiB
//   crossing) through the read arbiter (ar_*/r_*), which bounds the bursts in flight. unit is
//   C bytes (ACT vector), R*C bytes (WMEM/PB word) or 16 bytes (EPI entry: bias i32, m i32,
//   s u8 little-endian). ACT vector SRAM_ADDR+i goes to bank (SRAM_ADDR+i) mod R, word
//   (SRAM_ADDR+i)/R; one beat carries DataBytes/C vectors, all written in the same cycle.
// - STORE_ACT writes ceil(COUNT*C/DataBytes) beats from DRAM_ADDR; bytes past COUNT*C in the
//   last beat have WSTRB = 0. Up to MaxOutstandingWrites bursts in flight; W beats of burst k
//   follow AW k without waiting for AWREADY.
// - ACT port B (act_*): the engine reads or writes only in cycles with act_gnt_i (the compute
//   engine's writes have priority); read data arrives on act_rdata_i one cycle later.
// - LOAD_W and LOAD_PB move ROWS rows: row i reads COUNT words from DRAM_ADDR + i*DRAM_STRIDE
//   and writes them from word SRAM_ADDR + i*SRAM_STRIDE. A row's bursts start once the previous
//   row's bursts have all been presented; R beats arrive in order. Other loads and stores take
//   one row (sushi_cmd_seq checks ROWS).
// - LOAD_W_PB (a deposit) is a LOAD_W whose every word is also written to the PB (pb_we_o at
//   pb_waddr_o, in the cycle of its WMEM write, from the same R beats): row i from PB word
//   PB_ADDR + i*PB_STRIDE (sushi_cmd_seq has checked that the rows stay inside the PB).
// - COPY_PB copies ROWS rows of COUNT words from the PB (port pb_re_o/pb_raddr_o, data one cycle
//   later on pb_rdata_i) to WMEM: one word per cycle, row i from PB_ADDR + i*PB_STRIDE to
//   WMEM_ADDR + i*WMEM_STRIDE. No AXI traffic.
// - DMA window: a burst outside [win_lo_i, win_hi_i] (beat addresses) is never presented; it
//   pulses err_o with ERR_DMA_WINDOW and the command drains like an AXI error.
// - Errors: an R beat with RRESP != OKAY or a B with BRESP != OKAY pulses err_o with
//   ERR_AXI_READ / ERR_AXI_WRITE. After an error, or while abort_i, no new AR/AW is presented,
//   R beats are accepted and dropped, presented write bursts are completed with WSTRB = 0,
//   and the engine becomes idle (without done_o) when nothing is in flight.
// - Counter events: rd_w_beat_o / rd_pb_beat_o / rd_act_beat_o / rd_epi_beat_o per R beat of
//   LOAD_W or LOAD_W_PB / LOAD_PB / LOAD_ACT / LOAD_EPI, wr_act_beat_o per W beat of STORE_ACT,
//   pb_word_o per word COPY_PB reads.

`default_nettype none

module sushi_dma_engine #(
  // Width of a byte address in bits
  parameter integer AddrBits = 32,
  // AXI data bus width in bytes
  parameter integer DataBytes = 8,
  // Longest AXI burst in beats
  parameter integer MaxBurstBeats = 16,
  // Write bursts in flight at most (1..16)
  parameter integer MaxOutstandingWrites = 4,
  // MAC array rows R (ACT banks)
  parameter integer ArrayRows = 16,
  // MAC array columns C (bytes per ACT vector)
  parameter integer ArrayCols = 8,
  // Address width of one ACT bank
  parameter integer BankAW = 10,
  // Address width of WMEM/PB words
  parameter integer WAW = 11,
  // Address width of EPI entries
  parameter integer EpiAW = 10
) (
  input  wire                     clk_i,
  input  wire                     rst_ni,
  input  wire                     abort_i,
  // DMA window in beat addresses, inclusive
  input  wire [AddrBits-$clog2(DataBytes)-1:0] win_lo_i,
  input  wire [AddrBits-$clog2(DataBytes)-1:0] win_hi_i,
  input  wire                     cmd_valid_i,
  output wire                     cmd_ready_o,
  input  wire [255:0]             cmd_i,
  output wire                     done_o,
  output wire                     err_o,
  output wire [3:0]               err_code_o,
  output wire                     busy_o,
  // Reads (through sushi_rd_arb)
  output wire                     ar_valid_o,
  input  wire                     ar_ready_i,
  output wire [AddrBits-1:0]      ar_addr_o,
  output wire [7:0]               ar_len_o,
  input  wire                     r_valid_i,
  input  wire [8*DataBytes-1:0]   r_data_i,
  input  wire [1:0]               r_resp_i,
  input  wire                     r_last_i,
  output wire                     r_ready_o,
  // AXI write channels
  output wire [AddrBits-1:0]      m_axi_awaddr_o,
  output wire [7:0]               m_axi_awlen_o,
  output wire                     m_axi_awvalid_o,
  input  wire                     m_axi_awready_i,
  output wire [8*DataBytes-1:0]   m_axi_wdata_o,
  output wire [DataBytes-1:0]     m_axi_wstrb_o,
  output wire                     m_axi_wlast_o,
  output wire                     m_axi_wvalid_o,
  input  wire                     m_axi_wready_i,
  input  wire [1:0]               m_axi_bresp_i,
  input  wire                     m_axi_bvalid_i,
  output wire                     m_axi_bready_o,
  // ACT port B
  input  wire                     act_gnt_i,
  output reg  [ArrayRows-1:0]     act_we_o,
  output reg  [ArrayRows-1:0]     act_en_o,
  output reg  [ArrayRows*BankAW-1:0] act_addr_o,
  output reg  [ArrayRows*ArrayCols*8-1:0] act_wdata_o,
  input  wire [ArrayRows*ArrayCols*8-1:0] act_rdata_i,
  // WMEM / PB / EPI write ports (WMEM at w_addr_o, PB at pb_waddr_o, both from w_data_o)
  output wire                     wmem_we_o,
  output wire                     pb_we_o,
  output wire [WAW-1:0]           w_addr_o,
  output wire [WAW-1:0]           pb_waddr_o,
  output wire [ArrayRows*ArrayCols*8-1:0] w_data_o,
  output wire                     epi_we_o,
  output wire [EpiAW-1:0]         epi_addr_o,
  output wire [69:0]              epi_data_o,
  // PB read port (COPY_PB)
  output wire                     pb_re_o,
  output wire [WAW-1:0]           pb_raddr_o,
  input  wire [ArrayRows*ArrayCols*8-1:0] pb_rdata_i,
  // Counter events
  output wire                     rd_w_beat_o,
  output wire                     rd_pb_beat_o,
  output wire                     pb_word_o,
  output wire                     rd_act_beat_o,
  output wire                     rd_epi_beat_o,
  output wire                     wr_act_beat_o
);

  /* verilator lint_off UNUSEDPARAM */
  `include "sushi_regs.vh"
  `include "sushi_cmds.vh"
  /* verilator lint_on UNUSEDPARAM */

  localparam integer R = ArrayRows;
  localparam integer C = ArrayCols;
  localparam integer D = DataBytes;
  localparam integer LgR = $clog2(R);
  localparam integer LgD = $clog2(D);
  localparam integer V = D / C;                  // vectors per beat
  localparam integer LgV = $clog2(V);
  localparam integer WordBytes = R * C;
  localparam integer AsmBytes = (WordBytes > 16) ? WordBytes : 16;
  localparam integer SubW = $clog2(WordBytes / D);  // log2 beats per WMEM word
  localparam integer SubE = $clog2(16 / D);          // log2 beats per EPI entry
  localparam integer SubBits = (SubW > SubE ? SubW : SubE) + 1;
  localparam integer CountBits = 32;
  localparam integer WrCntBits = $clog2(MaxOutstandingWrites + 1);
  localparam integer WlenDepth = (MaxOutstandingWrites < 2) ? 2 : (1 << $clog2(MaxOutstandingWrites));
  localparam integer ChunkDepth = 4;
  localparam [WrCntBits-1:0] WrMax = MaxOutstandingWrites[WrCntBits-1:0];
  localparam integer VM1Int = V - 1;
  localparam [31:0] VM1 = VM1Int[31:0];

  ////////////////////
  // Command        //
  ////////////////////

  reg         busy_q;
  reg         err_q;
  reg  [3:0]  err_code_q;
  reg  [7:0]  op_q;
  reg  [23:0] sram_q;
  reg  [23:0] count_q;
  reg  [31:0] total_q;     // beats of the command (one-row commands)
  reg  [15:0] rows_q;
  reg  [31:0] sstride_q;   // DRAM bytes or PB words from row to row
  reg  [23:0] dstride_q;   // on-chip words from row to row
  reg  [WAW-1:0] pb_stride_q; // PB words from row to row (LOAD_W_PB)

  wire [7:0]  c_op    = cmd_i[7:0];
  wire [31:0] c_dram  = cmd_i[32*1 +: 32];
  wire [23:0] c_sram  = cmd_i[32*2 +: 24];
  wire [23:0] c_count = cmd_i[32*3 +: 24];
  wire [15:0] c_rows  = cmd_i[32*4 +: 16];
  wire [31:0] c_pb_stride = {16'd0, cmd_i[32*4+16 +: 16]};  // LOAD_W_PB: PB_STRIDE
  wire [31:0] c_pb_addr   = {8'd0, cmd_i[32*7 +: 24]};      // LOAD_W_PB: PB_ADDR
  wire        accept  = cmd_valid_i && !busy_q;

  reg  [31:0] c_beats;
  always @* begin
    case (c_op)
      OP_LOAD_ACT, OP_STORE_ACT: c_beats = ({8'd0, c_count} + VM1) >> LgV;
      OP_LOAD_EPI:               c_beats = {8'd0, c_count} << SubE;
      default:                   c_beats = {8'd0, c_count} << SubW;
    endcase
  end

  wire is_store = (op_q == OP_STORE_ACT);
  wire is_act   = (op_q == OP_LOAD_ACT);
  wire is_epi   = (op_q == OP_LOAD_EPI);
  wire is_dep   = (op_q == OP_LOAD_W_PB);
  wire is_w     = (op_q == OP_LOAD_W) || (op_q == OP_LOAD_PB) || is_dep;
  wire is_copy  = (op_q == OP_COPY_PB);
  wire drain    = err_q || abort_i;

  always @(posedge clk_i) begin
    if (accept) begin
      op_q      <= c_op;
      sram_q    <= c_sram;
      count_q   <= c_count;
      total_q   <= c_beats;
      rows_q    <= c_rows;
      sstride_q <= cmd_i[32*5 +: 32];
      dstride_q <= cmd_i[32*6 +: 24];
      pb_stride_q <= c_pb_stride[WAW-1:0];
    end
  end

  ////////////////////
  // Read side      //
  ////////////////////

  reg  [4:0]  rd_infl_q;     // bursts issued, last beat not received
  reg  [31:0] rcv_q;         // beats received
  reg  [SubBits-1:0] sub_q;  // beat within the current unit
  reg  [23:0] unit_q;        // unit (word/entry) index, or first vector of the beat (ACT)
  reg  [8*AsmBytes-1:0] asm_q;
  wire        ar_issue;
  wire [7:0]  ar_issue_len;
  wire        ar_pending;
  wire        ar_viol;
  reg  [15:0] ar_row_q;      // row whose bursts the generator holds
  reg  [31:0] ar_addr_q;     // its DRAM address
  // The next row starts once every burst of the current one has been presented.
  wire        ar_next  = busy_q && !drain && is_w && !ar_pending && ({1'b0, ar_row_q} + 17'd1 < {1'b0, rows_q});
  wire        ar_start = (accept && (c_op != OP_STORE_ACT) && (c_op != OP_COPY_PB)) || ar_next;

  always @(posedge clk_i) begin
    if (accept) begin
      ar_row_q  <= 16'd0;
      ar_addr_q <= c_dram;
    end else if (ar_next) begin
      ar_row_q  <= ar_row_q + 16'd1;
      ar_addr_q <= ar_addr_q + sstride_q;
    end
  end

  sushi_axi_burst_gen #(
    .AddrBits      (AddrBits),
    .DataBytes     (DataBytes),
    .MaxBurstBeats (MaxBurstBeats),
    .CountBits     (CountBits)
  ) u_ar_gen (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .start_i       (ar_start),
    .start_addr_i  (accept ? c_dram[AddrBits-1:0] : ar_addr_q[AddrBits-1:0] + sstride_q[AddrBits-1:0]),
    .start_beats_i (accept ? c_beats : total_q),
    .en_i          (busy_q && !drain && !is_store && !is_copy),
    .win_lo_i      (win_lo_i),
    .win_hi_i      (win_hi_i),
    .viol_o        (ar_viol),
    .valid_o       (ar_valid_o),
    .ready_i       (ar_ready_i),
    .addr_o        (ar_addr_o),
    .len_o         (ar_len_o),
    .issue_o       (ar_issue),
    .issue_len_o   (ar_issue_len),
    .pending_o     (ar_pending)
  );

  assign r_ready_o = drain || !is_act || act_gnt_i;
  wire r_hs   = r_valid_i && r_ready_o;
  wire r_bad  = r_hs && (r_resp_i != AXI_RESP_OKAY);
  wire r_use  = r_hs && !drain && !r_bad && busy_q && !is_store;
  wire [SubBits-1:0] sub_last = is_epi ? SubE[SubBits-1:0] : SubW[SubBits-1:0];
  wire [SubBits-1:0] sub_max = ({{(SubBits-1){1'b0}}, 1'b1} << sub_last) - 1'b1;
  wire unit_done = (sub_q == sub_max);

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      rd_infl_q <= 5'd0;
    end else if (ar_issue && !(r_hs && r_last_i)) begin
      rd_infl_q <= rd_infl_q + 5'd1;
    end else if (!ar_issue && r_hs && r_last_i) begin
      rd_infl_q <= rd_infl_q - 5'd1;
    end
  end

  reg  [15:0] r_row_q;       // row the R beats fill (LOAD_W, LOAD_PB, LOAD_W_PB)
  reg  [23:0] r_base_q;      // its first on-chip word
  reg  [WAW-1:0] pb_base_q;  // its first PB word (LOAD_W_PB)
  wire        row_end = unit_done && is_w && (unit_q + 24'd1 == count_q);

  always @(posedge clk_i) begin
    if (accept) begin
      rcv_q    <= 32'd0;
      sub_q    <= {SubBits{1'b0}};
      unit_q   <= 24'd0;
      r_row_q  <= 16'd0;
      r_base_q <= c_sram;
      pb_base_q <= c_pb_addr[WAW-1:0];
    end else if (r_use) begin
      rcv_q <= rcv_q + 32'd1;
      if (is_act) begin
        unit_q <= unit_q + V[23:0];
      end else begin
        sub_q <= unit_done ? {SubBits{1'b0}} : sub_q + 1'b1;
        if (row_end) begin
          unit_q   <= 24'd0;
          r_row_q  <= r_row_q + 16'd1;
          r_base_q <= r_base_q + dstride_q;
          pb_base_q <= pb_base_q + pb_stride_q;
        end else if (unit_done) begin
          unit_q <= unit_q + 24'd1;
        end
      end
    end
  end

  // Assembly register: beat sub_q of the unit (one-hot enables, not a variable part select).
  genvar gab;
  generate
    for (gab = 0; gab < AsmBytes / D; gab = gab + 1) begin : g_asm
      always @(posedge clk_i) begin
        if (r_use && (sub_q == gab[SubBits-1:0])) begin
          asm_q[8*D*gab +: 8*D] <= r_data_i;
        end
      end
    end
  endgenerate

  // Unit assembled this cycle: earlier beats from asm_q, the last from the bus.
  reg [8*AsmBytes-1:0] unit_data;
  integer ub;
  always @* begin
    unit_data = asm_q;
    for (ub = 0; ub < AsmBytes / D; ub = ub + 1) begin
      if (ub[SubBits-1:0] == sub_q) begin
        unit_data[8*D*ub +: 8*D] = r_data_i;
      end
    end
  end

  wire [23:0] unit_addr = r_base_q + unit_q;

  ////////////////////
  // COPY_PB        //
  ////////////////////

  reg  [15:0] cp_row_q;      // row being read
  reg  [23:0] cp_i_q;        // word within the row
  reg  [23:0] cp_src_q;      // PB word of the row's start
  reg  [23:0] cp_dst_q;      // WMEM word of the row's start
  reg         cp_pend_q;     // a PB read issued last cycle: write its data now
  reg  [WAW-1:0] cp_waddr_q;
  wire        cp_rd = busy_q && is_copy && !drain && (cp_row_q != rows_q) && (count_q != 24'd0);
  wire        cp_row_end = (cp_i_q + 24'd1 == count_q);
  wire [WAW-1:0] cp_raddr = cp_src_q[WAW-1:0] + cp_i_q[WAW-1:0];

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      cp_pend_q <= 1'b0;
    end else begin
      cp_pend_q <= cp_rd;
    end
    if (accept) begin
      cp_row_q <= 16'd0;
      cp_i_q   <= 24'd0;
      cp_src_q <= c_dram[23:0];
      cp_dst_q <= c_sram;
    end else if (cp_rd) begin
      if (cp_row_end) begin
        cp_i_q   <= 24'd0;
        cp_row_q <= cp_row_q + 16'd1;
        cp_src_q <= cp_src_q + sstride_q[23:0];
        cp_dst_q <= cp_dst_q + dstride_q;
      end else begin
        cp_i_q <= cp_i_q + 24'd1;
      end
    end
    if (cp_rd) begin
      cp_waddr_q <= cp_dst_q[WAW-1:0] + cp_i_q[WAW-1:0];
    end
  end

  assign pb_re_o    = cp_rd;
  assign pb_raddr_o = cp_raddr;
  assign pb_word_o  = cp_pend_q;

  assign wmem_we_o  = (r_use && unit_done && ((op_q == OP_LOAD_W) || is_dep)) || cp_pend_q;
  assign pb_we_o    = r_use && unit_done && ((op_q == OP_LOAD_PB) || is_dep);
  assign w_addr_o   = is_copy ? cp_waddr_q : unit_addr[WAW-1:0];
  // LOAD_PB fills the PB at its on-chip address; a deposit at its own PB row.
  assign pb_waddr_o = is_dep ? pb_base_q + unit_q[WAW-1:0] : unit_addr[WAW-1:0];
  assign w_data_o   = is_copy ? pb_rdata_i : unit_data[8*WordBytes-1:0];
  assign epi_we_o   = r_use && unit_done && is_epi;
  assign epi_addr_o = unit_addr[EpiAW-1:0];
  assign epi_data_o = {unit_data[69:64], unit_data[63:0]};

  assign rd_w_beat_o   = r_hs && busy_q && ((op_q == OP_LOAD_W) || is_dep);
  assign rd_pb_beat_o  = r_hs && busy_q && (op_q == OP_LOAD_PB);
  assign rd_act_beat_o = r_hs && busy_q && is_act;
  assign rd_epi_beat_o = r_hs && busy_q && is_epi;

  ////////////////////
  // Store: ACT read //
  ////////////////////

  reg  [31:0] chunk_q;      // chunks (beats) read from ACT
  reg         rd_pend_q;    // an ACT read issued last cycle
  reg  [LgR-1:0] rd_bank0_q; // bank of the first vector of that read
  wire [$clog2(ChunkDepth):0] ch_cnt;
  wire [8*D-1:0] ch_head;
  wire           ch_full;
  wire           ch_pop;
  wire [23:0]    st_first = sram_q + chunk_q[23:0] * V[23:0];
  wire           st_issue = busy_q && is_store && !drain && act_gnt_i && (chunk_q != total_q) &&
                            (({1'b0, ch_cnt} + {{($clog2(ChunkDepth)+1){1'b0}}, rd_pend_q}) < ChunkDepth[$clog2(ChunkDepth)+1:0]);

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      rd_pend_q <= 1'b0;
    end else begin
      rd_pend_q <= st_issue;
    end
    if (accept) begin
      chunk_q <= 32'd0;
    end else if (st_issue) begin
      chunk_q <= chunk_q + 32'd1;
    end
    if (st_issue) begin
      rd_bank0_q <= st_first[LgR-1:0];
    end
  end

  // Port B requests: loads write the beat's vectors, stores read them.
  integer vi;
  integer bi;
  reg [23:0] va;
  reg [23:0] vbase;
  reg        vuse;
  always @* begin
    act_we_o    = {R{1'b0}};
    act_en_o    = {R{1'b0}};
    act_addr_o  = {R*BankAW{1'b0}};
    act_wdata_o = {R*C*8{1'b0}};
    vbase = is_store ? st_first : unit_addr;
    for (vi = 0; vi < V; vi = vi + 1) begin
      va = vbase + vi[23:0];
      vuse = (is_store ? (chunk_q[23:0] * V[23:0]) : unit_q) + vi[23:0] < count_q;
      for (bi = 0; bi < R; bi = bi + 1) begin
        if (va[LgR-1:0] == bi[LgR-1:0]) begin
          act_we_o[bi] = r_use && is_act && vuse;
          act_en_o[bi] = st_issue;
          act_addr_o[BankAW*bi +: BankAW] = va[LgR +: BankAW];
          act_wdata_o[8*C*bi +: 8*C] = r_data_i[8*C*vi +: 8*C];
        end
      end
    end
  end

  // Read data of the last cycle's request, reassembled into a beat.
  reg [8*D-1:0] st_beat;
  reg [LgR-1:0] sb;
  integer si;
  integer sbi;
  always @* begin
    st_beat = {8*D{1'b0}};
    for (si = 0; si < V; si = si + 1) begin
      sb = rd_bank0_q + si[LgR-1:0];
      for (sbi = 0; sbi < R; sbi = sbi + 1) begin
        if (sb == sbi[LgR-1:0]) begin
          st_beat[8*C*si +: 8*C] = act_rdata_i[8*C*sbi +: 8*C];
        end
      end
    end
  end

  sushi_fifo #(
    .Width (8*D),
    .Depth (ChunkDepth)
  ) u_chunks (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .clear_i     (accept),
    .push_i      (rd_pend_q),
    .push_data_i (st_beat),
    .pop_i       (ch_pop),
    .head_o      (ch_head),
    .count_o     (ch_cnt),
    .full_o      (ch_full)
  );

  ////////////////////
  // Store: AW / W / B //
  ////////////////////

  reg  [WrCntBits-1:0] wr_infl_q;
  wire                 aw_issue;
  wire [7:0]           aw_issue_len;
  wire                 aw_pending;
  wire                 aw_viol;
  wire                 b_hs = m_axi_bvalid_i && busy_q && is_store;
  wire                 b_bad = b_hs && (m_axi_bresp_i != AXI_RESP_OKAY);
  wire                 wr_credit = (wr_infl_q < WrMax) || b_hs;

  sushi_axi_burst_gen #(
    .AddrBits      (AddrBits),
    .DataBytes     (DataBytes),
    .MaxBurstBeats (MaxBurstBeats),
    .CountBits     (CountBits)
  ) u_aw_gen (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .start_i       (accept && (c_op == OP_STORE_ACT)),
    .start_addr_i  (c_dram[AddrBits-1:0]),
    .start_beats_i (c_beats),
    .en_i          (busy_q && !drain && is_store && wr_credit),
    .win_lo_i      (win_lo_i),
    .win_hi_i      (win_hi_i),
    .viol_o        (aw_viol),
    .valid_o       (m_axi_awvalid_o),
    .ready_i       (m_axi_awready_i),
    .addr_o        (m_axi_awaddr_o),
    .len_o         (m_axi_awlen_o),
    .issue_o       (aw_issue),
    .issue_len_o   (aw_issue_len),
    .pending_o     (aw_pending)
  );

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      wr_infl_q <= {WrCntBits{1'b0}};
    end else if (aw_issue && !b_hs) begin
      wr_infl_q <= wr_infl_q + 1'b1;
    end else if (!aw_issue && b_hs) begin
      wr_infl_q <= wr_infl_q - 1'b1;
    end
  end

  wire [$clog2(WlenDepth):0] wl_cnt;
  wire [7:0]                 wl_head;
  wire                       wl_full;
  wire                       wl_pop;

  sushi_fifo #(
    .Width (8),
    .Depth (WlenDepth)
  ) u_wlen (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .clear_i     (accept),
    .push_i      (aw_issue),
    .push_data_i (aw_issue_len),
    .pop_i       (wl_pop),
    .head_o      (wl_head),
    .count_o     (wl_cnt),
    .full_o      (wl_full)
  );

  reg                 wvalid_q;
  reg  [8*D-1:0]      wdata_q;
  reg  [D-1:0]        wstrb_q;
  reg                 wlast_q;
  reg  [7:0]          wb_left_q;
  reg  [31:0]         wr_sent_q;   // W beats loaded

  wire w_new_burst = (wb_left_q == 8'd0);
  wire w_burst_ok  = !w_new_burst || (wl_cnt != 0);
  wire w_data_ok   = drain || (ch_cnt != 0);
  wire w_slot_free = !wvalid_q || m_axi_wready_i;
  wire w_load      = busy_q && is_store && w_slot_free && w_burst_ok && w_data_ok &&
                     (drain ? (!w_new_burst || (wl_cnt != 0)) : (wr_sent_q != total_q));
  wire w_is_last   = (wr_sent_q + 32'd1 == total_q);
  wire [23:0]  tail_vecs = count_q & VM1[23:0];   // vectors in a partial last beat
  wire [7:0]   tail_bytes = tail_vecs[7:0] * C[7:0];
  wire [D-1:0] tail_strb = ~({D{1'b1}} << tail_bytes);
  wire [D-1:0] w_strb    = drain ? {D{1'b0}} :
                           ((w_is_last && (tail_vecs != 24'd0)) ? tail_strb : {D{1'b1}});

  assign ch_pop = w_load && !drain;
  assign wl_pop = w_load && w_new_burst;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      wvalid_q  <= 1'b0;
      wb_left_q <= 8'd0;
    end else if (accept) begin
      wb_left_q <= 8'd0;
    end else if (w_load) begin
      wvalid_q  <= 1'b1;
      wb_left_q <= w_new_burst ? wl_head : wb_left_q - 8'd1;
    end else if (m_axi_wready_i) begin
      wvalid_q  <= 1'b0;
    end
  end

  always @(posedge clk_i) begin
    if (accept) begin
      wr_sent_q <= 32'd0;
    end else if (w_load) begin
      wr_sent_q <= wr_sent_q + 32'd1;
    end
    if (w_load) begin
      wdata_q <= ch_head;
      wstrb_q <= w_strb;
      wlast_q <= w_new_burst ? (wl_head == 8'd0) : (wb_left_q == 8'd1);
    end
  end

  assign m_axi_wvalid_o = wvalid_q;
  assign m_axi_wdata_o  = wdata_q;
  assign m_axi_wstrb_o  = wstrb_q;
  assign m_axi_wlast_o  = wlast_q;
  assign m_axi_bready_o = busy_q && is_store;
  assign wr_act_beat_o  = m_axi_wvalid_o && m_axi_wready_i;

  ////////////////////
  // Completion     //
  ////////////////////

  wire quiet_rd = (rd_infl_q == 5'd0) && !ar_valid_o;
  wire quiet_wr = (wr_infl_q == {WrCntBits{1'b0}}) && !m_axi_awvalid_o && (wl_cnt == 0) &&
                  (wb_left_q == 8'd0) && !wvalid_q;
  wire rows_done = (count_q == 24'd0) || (r_row_q == rows_q);
  wire copy_done = ((count_q == 24'd0) || (cp_row_q == rows_q)) && !cp_pend_q;
  wire fin_ok   = busy_q && !drain && (is_store ? (!aw_pending && (wr_sent_q == total_q) && quiet_wr)
                                     : is_copy ? copy_done
                                     : is_w    ? rows_done
                                     : (rcv_q == total_q));
  wire fin_drain = busy_q && drain && quiet_rd && quiet_wr && !rd_pend_q && !cp_pend_q;
  // A generator may hold an unissued run of an earlier, drained command: only the active one counts.
  wire viol     = busy_q && !drain && (is_store ? aw_viol : (!is_copy && ar_viol));
  wire new_err  = busy_q && !err_q && (r_bad || b_bad || viol);
  wire [3:0] new_code = r_bad ? ERR_AXI_READ : b_bad ? ERR_AXI_WRITE : ERR_DMA_WINDOW;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      busy_q     <= 1'b0;
      err_q      <= 1'b0;
      err_code_q <= ERR_NONE;
    end else begin
      if (accept) begin
        busy_q <= 1'b1;
        err_q  <= 1'b0;
      end else if (fin_ok || fin_drain) begin
        busy_q <= 1'b0;
      end
      if (new_err) begin
        err_q      <= 1'b1;
        err_code_q <= new_code;
      end
    end
  end

  assign cmd_ready_o = !busy_q;
  assign done_o      = fin_ok;
  assign err_o       = new_err;
  assign err_code_o  = new_code;
  assign busy_o      = busy_q;

  wire unused_ok = &{1'b0, ar_issue_len, ch_full, wl_full, err_code_q, c_dram,
                     cmd_i, c_pb_stride, c_pb_addr, unit_data, va, LgD, tail_vecs};

endmodule

`default_nettype wire
