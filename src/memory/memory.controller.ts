import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import type { Response } from 'express';
import { ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/authenticated.decorator';
import { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { ApiErrors } from '../common/documented-errors';
import { respondAt, RespondsWithStreamPosition } from '../events/stream-position';
import {
  CreateMemoryDto,
  DeleteMemoryQuery,
  ListMemoriesQuery,
  UpdateMemoryDto,
} from './memory.dto';
import {
  MemoryListResponse,
  MemoryResponse,
  toMemoryListResponse,
  toMemoryResponse,
} from './memory.response';
import { MemoryService } from './memory.service';

@ApiTags('memories')
@Controller('memories')
export class MemoryController {
  constructor(private readonly memories: MemoryService) {}

  @Post()
  @Authenticated('memories:write')
  @RespondsWithStreamPosition(201, MemoryResponse)
  @ApiErrors(400, 413, 415)
  async create(
    @CurrentCaller() caller: Caller,
    @Body() body: CreateMemoryDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<MemoryResponse> {
    return respondAt(response, await this.memories.create(caller, body), toMemoryResponse);
  }

  @Get()
  @Authenticated('memories:read')
  @RespondsWithStreamPosition(200, MemoryListResponse)
  @ApiErrors(400)
  async list(
    @CurrentCaller() caller: Caller,
    @Query() query: ListMemoriesQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<MemoryListResponse> {
    const listed = await this.memories.list(caller, query);
    return respondAt(response, listed, (page) =>
      toMemoryListResponse(page, query, listed.position),
    );
  }

  @Get(':id')
  @Authenticated('memories:read')
  @RespondsWithStreamPosition(200, MemoryResponse)
  @ApiErrors(400, 404)
  async get(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<MemoryResponse> {
    return respondAt(response, await this.memories.get(caller, id), toMemoryResponse);
  }

  @Patch(':id')
  @Authenticated('memories:write')
  @RespondsWithStreamPosition(200, MemoryResponse)
  @ApiErrors(400, 404, 413, 415)
  async update(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Body() body: UpdateMemoryDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<MemoryResponse> {
    return respondAt(response, await this.memories.update(caller, id, body), toMemoryResponse);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated('memories:write')
  @RespondsWithStreamPosition(204)
  @ApiErrors(400, 404)
  async delete(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Query() query: DeleteMemoryQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    respondAt(response, await this.memories.delete(caller, id, query.reason), () => undefined);
  }
}
