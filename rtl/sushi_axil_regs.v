// SPDX-License-Identifier: Apache-2.0
//
// sushi_axil_regs: AXI4-Lite slave and register file of sushi_top (map in sushi_regs.vh).
//
// Contract:
// - AXI4-Lite, 12-bit byte addresses (bits [1:0] ignored), 32-bit data. AW and W are accepted
//   independently (either first, or together); one write and one read are handled at a time.
//   B and R are registered and held, payload stable, until BREADY / RREADY. No READY depends
//   combinationally on a VALID. A write takes effect in the cycle after both AW and W have been
//   accepted, when its B response is raised.
// - Responses: unmapped offset -> DECERR (read data 0); write to a read-only register ->
//   SLVERR (no effect); otherwise OKAY.
// - WSTRB is honoured on RW registers (SCRATCH, COPY_SRC/DST/LEN, CTRL.IRQ_ENABLE) and on the
//   W1C and write-1 pulse bits (a bit acts only if its byte strobe is set).
// - CTRL.COPY_START: copy_start_o pulses in the cycle the write takes effect, unless busy_i
//   (then ignored); the start clears STATUS.DONE/ERROR/ERROR_CODE. CTRL.COUNTERS_CLEAR pulses
//   counters_clear_o likewise. CTRL.RUN (CTRL_RUN of sushi_regs.vh) pulses run_start_o likewise
//   (ignored while busy_i or when COPY_START is set in the same write) and clears
//   DONE/ERROR/ERROR_CODE. All three read as 0.
// - CMD_BASE and CMD_LIMIT are plain RW registers (run_start_o's job latches them). DMA_BASE
//   (reset 0) and DMA_LAST (reset 0xffffffff) are RW and drive dma_base_o / dma_last_o.
// - CTRL.SOFT_RESET pulses soft_reset_o; while busy_i the running job aborts (and reports
//   done_i with ERR_ABORTED later); while idle it clears DONE, ERROR and ERROR_CODE.
// - STATUS: BUSY = busy_i (read only); DONE and ERROR are write-1-to-clear, clearing ERROR also
//   clears ERROR_CODE. done_i (one cycle, in the engine's last busy cycle) sets DONE and, with
//   err_i, sets ERROR and ERROR_CODE = err_code_i; it wins over a clear in the same cycle.
// - 64-bit counters: reading *_LO returns bits [31:0] and latches bits [63:32] into that
//   counter's shadow; reading *_HI returns the shadow.
// - irq_o = CTRL.IRQ_ENABLE && STATUS.DONE (both registers, no combinational input path).

`default_nettype none

module sushi_axil_regs #(
  // Value returned by REG_CONFIG_HASH (FNV-1a 32 of the hardware config)
  parameter [31:0] ConfigHash = 32'h0
) (
  input  wire        clk_i,
  input  wire        rst_ni,
  // AXI4-Lite slave: write address
  input  wire [11:0] s_axil_awaddr_i,
  input  wire        s_axil_awvalid_i,
  output wire        s_axil_awready_o,
  // AXI4-Lite slave: write data
  input  wire [31:0] s_axil_wdata_i,
  input  wire [3:0]  s_axil_wstrb_i,
  input  wire        s_axil_wvalid_i,
  output wire        s_axil_wready_o,
  // AXI4-Lite slave: write response
  output wire [1:0]  s_axil_bresp_o,
  output wire        s_axil_bvalid_o,
  input  wire        s_axil_bready_i,
  // AXI4-Lite slave: read address
  input  wire [11:0] s_axil_araddr_i,
  input  wire        s_axil_arvalid_i,
  output wire        s_axil_arready_o,
  // AXI4-Lite slave: read data
  output wire [31:0] s_axil_rdata_o,
  output wire [1:0]  s_axil_rresp_o,
  output wire        s_axil_rvalid_o,
  input  wire        s_axil_rready_i,
  // Copy job
  output wire [31:0] copy_src_o,
  output wire [31:0] copy_dst_o,
  output wire [31:0] copy_len_o,
  output wire        copy_start_o,
  // Command-stream job
  output wire [31:0] cmd_base_o,
  output wire [31:0] cmd_limit_o,
  output wire        run_start_o,
  output wire        soft_reset_o,
  output wire [31:0] dma_base_o,
  output wire [31:0] dma_last_o,
  input  wire        busy_i,
  input  wire        done_i,
  input  wire        err_i,
  input  wire [3:0]  err_code_i,
  // Counters
  output wire        counters_clear_o,
  input  wire [63:0] cycles_i,
  input  wire [63:0] busy_cycles_i,
  input  wire [63:0] dram_read_bytes_i,
  input  wire [63:0] dram_write_bytes_i,
  input  wire [63:0] read_wait_cycles_i,
  input  wire [63:0] write_wait_cycles_i,
  // Datapath counters MACS .. DRAM_READ_EPI_BYTES in register order (sushi_counters ext_o)
  input  wire [64*14-1:0] ext_counters_i,
  // Interrupt
  output wire        irq_o
);

  /* verilator lint_off UNUSEDPARAM */
  `include "sushi_regs.vh"
  /* verilator lint_on UNUSEDPARAM */

  localparam integer NumExt = 14;

  // Bytes-enable merge of a register write.
  function [31:0] merge_bytes;
    input [31:0] old_val;
    input [31:0] new_val;
    input [3:0]  strb;
    integer b;
    begin
      for (b = 0; b < 4; b = b + 1) begin
        merge_bytes[8*b +: 8] = strb[b] ? new_val[8*b +: 8] : old_val[8*b +: 8];
      end
    end
  endfunction

  ////////////////////
  // Registers      //
  ////////////////////

  reg        irq_enable_q;
  reg        done_q;
  reg        error_q;
  reg [3:0]  err_code_q;
  reg [31:0] scratch_q;
  reg [31:0] copy_src_q;
  reg [31:0] copy_dst_q;
  reg [31:0] copy_len_q;
  reg [31:0] cmd_base_q;
  reg [31:0] cmd_limit_q;
  reg [31:0] dma_base_q;
  reg [31:0] dma_last_q;
  reg [32*NumExt-1:0] ext_hi_q;
  reg [31:0] cycles_hi_q;
  reg [31:0] busy_cycles_hi_q;
  reg [31:0] dram_read_bytes_hi_q;
  reg [31:0] dram_write_bytes_hi_q;
  reg [31:0] read_wait_cycles_hi_q;
  reg [31:0] write_wait_cycles_hi_q;

  ////////////////////
  // Write channel  //
  ////////////////////

  reg        aw_have_q;
  reg [11:0] aw_addr_q;
  reg        w_have_q;
  reg [31:0] w_data_q;
  reg [3:0]  w_strb_q;
  reg        bvalid_q;
  reg [1:0]  bresp_q;

  assign s_axil_awready_o = !aw_have_q;
  assign s_axil_wready_o  = !w_have_q;
  assign s_axil_bvalid_o  = bvalid_q;
  assign s_axil_bresp_o   = bresp_q;

  wire        wr_fire = aw_have_q && w_have_q && !bvalid_q;
  wire [11:0] wr_addr = {aw_addr_q[11:2], 2'b00};

  // Response of the write being performed.
  reg [1:0] wr_resp;
  always @* begin
    case (wr_addr)
      REG_CTRL, REG_STATUS, REG_SCRATCH, REG_COPY_SRC, REG_COPY_DST, REG_COPY_LEN,
      REG_CMD_BASE, REG_CMD_LIMIT, REG_DMA_BASE, REG_DMA_LAST:
        wr_resp = AXI_RESP_OKAY;
      REG_ID, REG_VERSION, REG_CONFIG_HASH,
      REG_CYCLES_LO, REG_CYCLES_HI, REG_BUSY_CYCLES_LO, REG_BUSY_CYCLES_HI,
      REG_DRAM_READ_BYTES_LO, REG_DRAM_READ_BYTES_HI,
      REG_DRAM_WRITE_BYTES_LO, REG_DRAM_WRITE_BYTES_HI,
      REG_READ_WAIT_CYCLES_LO, REG_READ_WAIT_CYCLES_HI,
      REG_WRITE_WAIT_CYCLES_LO, REG_WRITE_WAIT_CYCLES_HI:
        wr_resp = AXI_RESP_SLVERR;
      REG_MACS_LO, REG_MACS_HI, REG_COMPUTE_BUSY_CYCLES_LO, REG_COMPUTE_BUSY_CYCLES_HI,
      REG_DMA_BUSY_CYCLES_LO, REG_DMA_BUSY_CYCLES_HI,
      REG_COMPUTE_WAIT_DMA_CYCLES_LO, REG_COMPUTE_WAIT_DMA_CYCLES_HI,
      REG_DMA_WAIT_COMPUTE_CYCLES_LO, REG_DMA_WAIT_COMPUTE_CYCLES_HI,
      REG_DRAM_READ_WEIGHT_BYTES_LO, REG_DRAM_READ_WEIGHT_BYTES_HI,
      REG_DRAM_READ_ACT_BYTES_LO, REG_DRAM_READ_ACT_BYTES_HI,
      REG_DRAM_WRITE_ACT_BYTES_LO, REG_DRAM_WRITE_ACT_BYTES_HI,
      REG_DRAM_READ_CMD_BYTES_LO, REG_DRAM_READ_CMD_BYTES_HI,
      REG_DRAM_READ_EPI_BYTES_LO, REG_DRAM_READ_EPI_BYTES_HI,
      REG_PB_FILL_BYTES_LO, REG_PB_FILL_BYTES_HI, REG_PB_READ_BYTES_LO, REG_PB_READ_BYTES_HI,
      REG_DMA_WINDOW_VIOLATIONS_LO, REG_DMA_WINDOW_VIOLATIONS_HI,
      REG_PB_OVERFLOWS_LO, REG_PB_OVERFLOWS_HI:
        wr_resp = AXI_RESP_SLVERR;
      default:
        wr_resp = AXI_RESP_DECERR;
    endcase
  end

  wire wr_ctrl   = wr_fire && (wr_addr == REG_CTRL);
  wire wr_status = wr_fire && (wr_addr == REG_STATUS);

  // A control bit acts only when it is 1 and its byte strobe is set.
  wire start_bit = w_strb_q[CTRL_COPY_START / 8] && w_data_q[CTRL_COPY_START];
  wire run_bit   = w_strb_q[CTRL_RUN / 8] && w_data_q[CTRL_RUN];
  wire clear_bit = w_strb_q[CTRL_COUNTERS_CLEAR / 8] && w_data_q[CTRL_COUNTERS_CLEAR];
  wire srst_bit  = w_strb_q[CTRL_SOFT_RESET / 8] && w_data_q[CTRL_SOFT_RESET];
  wire done_w1c  = w_strb_q[STATUS_DONE / 8] && w_data_q[STATUS_DONE];
  wire error_w1c = w_strb_q[STATUS_ERROR / 8] && w_data_q[STATUS_ERROR];

  wire copy_start = wr_ctrl && start_bit && !busy_i;
  wire run_start  = wr_ctrl && run_bit && !start_bit && !busy_i;
  wire start = copy_start || run_start;
  assign copy_start_o     = copy_start;
  assign run_start_o      = run_start;
  assign counters_clear_o = wr_ctrl && clear_bit;
  wire soft_reset = wr_ctrl && srst_bit;
  // Idle: the soft reset clears STATUS; busy: the job aborts and reports its end itself.
  wire srst_clear = soft_reset && !busy_i;
  assign soft_reset_o     = soft_reset;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      aw_have_q <= 1'b0;
      w_have_q  <= 1'b0;
      bvalid_q  <= 1'b0;
    end else begin
      if (wr_fire) begin
        aw_have_q <= 1'b0;
      end else if (s_axil_awvalid_i && !aw_have_q) begin
        aw_have_q <= 1'b1;
      end
      if (wr_fire) begin
        w_have_q <= 1'b0;
      end else if (s_axil_wvalid_i && !w_have_q) begin
        w_have_q <= 1'b1;
      end
      if (wr_fire) begin
        bvalid_q <= 1'b1;
      end else if (s_axil_bready_i) begin
        bvalid_q <= 1'b0;
      end
    end
  end

  always @(posedge clk_i) begin
    if (s_axil_awvalid_i && !aw_have_q) begin
      aw_addr_q <= s_axil_awaddr_i;
    end
    if (s_axil_wvalid_i && !w_have_q) begin
      w_data_q <= s_axil_wdata_i;
      w_strb_q <= s_axil_wstrb_i;
    end
    if (wr_fire) begin
      bresp_q <= wr_resp;
    end
  end

  // Control and status.
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      irq_enable_q <= 1'b0;
      done_q       <= 1'b0;
      error_q      <= 1'b0;
      err_code_q   <= ERR_NONE;
    end else begin
      if (wr_ctrl && w_strb_q[CTRL_IRQ_ENABLE / 8]) begin
        irq_enable_q <= w_data_q[CTRL_IRQ_ENABLE];
      end
      if (done_i) begin
        done_q <= 1'b1;
      end else if (start || srst_clear || (wr_status && done_w1c)) begin
        done_q <= 1'b0;
      end
      if (done_i && err_i) begin
        error_q    <= 1'b1;
        err_code_q <= err_code_i;
      end else if (start || srst_clear || (wr_status && error_w1c)) begin
        error_q    <= 1'b0;
        err_code_q <= ERR_NONE;
      end
    end
  end

  // Read/write data registers.
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      scratch_q  <= 32'd0;
      copy_src_q <= 32'd0;
      copy_dst_q <= 32'd0;
      copy_len_q <= 32'd0;
      cmd_base_q  <= 32'd0;
      cmd_limit_q <= 32'd0;
      dma_base_q  <= 32'd0;
      dma_last_q  <= 32'hffff_ffff;
    end else if (wr_fire) begin
      case (wr_addr)
        REG_SCRATCH:  scratch_q  <= merge_bytes(scratch_q, w_data_q, w_strb_q);
        REG_COPY_SRC: copy_src_q <= merge_bytes(copy_src_q, w_data_q, w_strb_q);
        REG_COPY_DST: copy_dst_q <= merge_bytes(copy_dst_q, w_data_q, w_strb_q);
        REG_COPY_LEN: copy_len_q <= merge_bytes(copy_len_q, w_data_q, w_strb_q);
        REG_CMD_BASE: cmd_base_q <= merge_bytes(cmd_base_q, w_data_q, w_strb_q);
        REG_CMD_LIMIT: cmd_limit_q <= merge_bytes(cmd_limit_q, w_data_q, w_strb_q);
        REG_DMA_BASE:  dma_base_q  <= merge_bytes(dma_base_q, w_data_q, w_strb_q);
        REG_DMA_LAST:  dma_last_q  <= merge_bytes(dma_last_q, w_data_q, w_strb_q);
        default: ;
      endcase
    end
  end

  assign copy_src_o = copy_src_q;
  assign copy_dst_o = copy_dst_q;
  assign copy_len_o = copy_len_q;
  assign cmd_base_o = cmd_base_q;
  assign cmd_limit_o = cmd_limit_q;
  assign dma_base_o  = dma_base_q;
  assign dma_last_o  = dma_last_q;
  assign irq_o      = irq_enable_q && done_q;

  ////////////////////
  // Read channel   //
  ////////////////////

  reg        rvalid_q;
  reg [31:0] rdata_q;
  reg [1:0]  rresp_q;

  assign s_axil_arready_o = !rvalid_q;
  assign s_axil_rvalid_o  = rvalid_q;
  assign s_axil_rdata_o   = rdata_q;
  assign s_axil_rresp_o   = rresp_q;

  wire        rd_fire = s_axil_arvalid_i && !rvalid_q;
  wire [11:0] rd_addr = {s_axil_araddr_i[11:2], 2'b00};
  // Datapath counters: REG_MACS_LO + 8*i (LO) and +4 (HI), i in 0..NumExt-1.
  wire [11:0] ext_off = rd_addr - REG_MACS_LO;
  wire        ext_hit = (rd_addr >= REG_MACS_LO) && (rd_addr <= REG_PB_OVERFLOWS_HI);
  wire [3:0]  ext_idx = ext_off[6:3];
  wire        ext_is_hi = ext_off[2];
  reg  [63:0] ext_val;
  reg  [31:0] ext_hi;
  integer ei;
  always @* begin
    ext_val = 64'd0;
    ext_hi  = 32'd0;
    for (ei = 0; ei < NumExt; ei = ei + 1) begin
      if (ext_idx == ei[3:0]) begin
        ext_val = ext_counters_i[64*ei +: 64];
        ext_hi  = ext_hi_q[32*ei +: 32];
      end
    end
  end

  reg [31:0] ctrl_val;
  reg [31:0] status_val;
  always @* begin
    ctrl_val = 32'd0;
    ctrl_val[CTRL_IRQ_ENABLE] = irq_enable_q;
    status_val = 32'd0;
    status_val[STATUS_BUSY]  = busy_i;
    status_val[STATUS_DONE]  = done_q;
    status_val[STATUS_ERROR] = error_q;
    status_val[STATUS_ERROR_CODE_LSB +: STATUS_ERROR_CODE_BITS] = err_code_q;
  end

  reg [31:0] rd_data;
  reg [1:0]  rd_resp;
  always @* begin
    rd_resp = AXI_RESP_OKAY;
    case (rd_addr)
      REG_ID:                   rd_data = ID_MAGIC;
      REG_VERSION:              rd_data = REGMAP_VERSION;
      REG_CONFIG_HASH:          rd_data = ConfigHash;
      REG_CTRL:                 rd_data = ctrl_val;
      REG_STATUS:               rd_data = status_val;
      REG_SCRATCH:              rd_data = scratch_q;
      REG_COPY_SRC:             rd_data = copy_src_q;
      REG_COPY_DST:             rd_data = copy_dst_q;
      REG_COPY_LEN:             rd_data = copy_len_q;
      REG_CYCLES_LO:            rd_data = cycles_i[31:0];
      REG_CYCLES_HI:            rd_data = cycles_hi_q;
      REG_BUSY_CYCLES_LO:       rd_data = busy_cycles_i[31:0];
      REG_BUSY_CYCLES_HI:       rd_data = busy_cycles_hi_q;
      REG_DRAM_READ_BYTES_LO:   rd_data = dram_read_bytes_i[31:0];
      REG_DRAM_READ_BYTES_HI:   rd_data = dram_read_bytes_hi_q;
      REG_DRAM_WRITE_BYTES_LO:  rd_data = dram_write_bytes_i[31:0];
      REG_DRAM_WRITE_BYTES_HI:  rd_data = dram_write_bytes_hi_q;
      REG_READ_WAIT_CYCLES_LO:  rd_data = read_wait_cycles_i[31:0];
      REG_READ_WAIT_CYCLES_HI:  rd_data = read_wait_cycles_hi_q;
      REG_WRITE_WAIT_CYCLES_LO: rd_data = write_wait_cycles_i[31:0];
      REG_WRITE_WAIT_CYCLES_HI: rd_data = write_wait_cycles_hi_q;
      REG_CMD_BASE:             rd_data = cmd_base_q;
      REG_CMD_LIMIT:            rd_data = cmd_limit_q;
      REG_DMA_BASE:             rd_data = dma_base_q;
      REG_DMA_LAST:             rd_data = dma_last_q;
      default: begin
        if (ext_hit) begin
          rd_data = ext_is_hi ? ext_hi : ext_val[31:0];
        end else begin
          rd_data = 32'd0;
          rd_resp = AXI_RESP_DECERR;
        end
      end
    endcase
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      rvalid_q <= 1'b0;
    end else if (rd_fire) begin
      rvalid_q <= 1'b1;
    end else if (s_axil_rready_i) begin
      rvalid_q <= 1'b0;
    end
  end

  always @(posedge clk_i) begin
    if (rd_fire) begin
      rdata_q <= rd_data;
      rresp_q <= rd_resp;
    end
  end

  // HI shadows: latched when the matching LO is read.
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      cycles_hi_q            <= 32'd0;
      busy_cycles_hi_q       <= 32'd0;
      dram_read_bytes_hi_q   <= 32'd0;
      dram_write_bytes_hi_q  <= 32'd0;
      read_wait_cycles_hi_q  <= 32'd0;
      write_wait_cycles_hi_q <= 32'd0;
    end else if (rd_fire) begin
      case (rd_addr)
        REG_CYCLES_LO:            cycles_hi_q            <= cycles_i[63:32];
        REG_BUSY_CYCLES_LO:       busy_cycles_hi_q       <= busy_cycles_i[63:32];
        REG_DRAM_READ_BYTES_LO:   dram_read_bytes_hi_q   <= dram_read_bytes_i[63:32];
        REG_DRAM_WRITE_BYTES_LO:  dram_write_bytes_hi_q  <= dram_write_bytes_i[63:32];
        REG_READ_WAIT_CYCLES_LO:  read_wait_cycles_hi_q  <= read_wait_cycles_i[63:32];
        REG_WRITE_WAIT_CYCLES_LO: write_wait_cycles_hi_q <= write_wait_cycles_i[63:32];
        default: ;
      endcase
    end
  end

  genvar gx;
  generate
    for (gx = 0; gx < NumExt; gx = gx + 1) begin : g_ext_hi
      always @(posedge clk_i) begin
        if (!rst_ni) begin
          ext_hi_q[32*gx +: 32] <= 32'd0;
        end else if (rd_fire && ext_hit && !ext_is_hi && (ext_idx == gx[3:0])) begin
          ext_hi_q[32*gx +: 32] <= ext_val[63:32];
        end
      end
    end
  endgenerate

  // Address bits [1:0] select a byte inside a 32-bit register and are ignored.
  wire unused_ok = &{1'b0, aw_addr_q[1:0], s_axil_araddr_i[1:0], ext_off[11:7], ext_off[1:0]};

endmodule

`default_nettype wire
